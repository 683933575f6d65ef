#include "protocol/stats.hpp"

#include "protocol/go_json.hpp"

#include <cstdarg>
#include <cstdio>
#include <ctime>

namespace nsq {

namespace {

// -- JSON -----------------------------------------------------------------------

/// Appends `"key":` (keys are fixed ASCII: no escaping needed).
void key(std::string& out, const char* k) {
  out += '"';
  out += k;
  out += "\":";
}

void field(std::string& out, const char* k, const std::string& v) {
  key(out, k);
  append_json_string(out, v);
  out += ',';
}

void field(std::string& out, const char* k, int64_t v) {
  key(out, k);
  out += std::to_string(v);
  out += ',';
}

void field(std::string& out, const char* k, uint64_t v) {
  key(out, k);
  out += std::to_string(v);
  out += ',';
}

void field(std::string& out, const char* k, bool v) {
  key(out, k);
  out += v ? "true" : "false";
  out += ',';
}

/// Replaces the trailing comma of an object's last field with `}`.
void close_object(std::string& out) {
  if (!out.empty() && out.back() == ',')
    out.back() = '}';
  else
    out += '}';
}

void append_client(std::string& out, const client_stats& c) {
  out += '{';
  field(out, "client_id", c.client_id);
  field(out, "hostname", c.hostname);
  field(out, "version", std::string("V2"));
  field(out, "remote_address", c.remote_address);
  field(out, "state", c.state);
  field(out, "ready_count", c.ready_count);
  field(out, "in_flight_count", c.in_flight_count);
  field(out, "message_count", c.message_count);
  field(out, "finish_count", c.finish_count);
  field(out, "requeue_count", c.requeue_count);
  field(out, "connect_ts", c.connect_ts);
  field(out, "sample_rate", c.sample_rate);
  field(out, "deflate", c.deflate);
  field(out, "snappy", c.snappy);
  field(out, "user_agent", c.user_agent);
  if (c.authed)
    field(out, "authed", c.authed);
  if (!c.auth_identity.empty())
    field(out, "auth_identity", c.auth_identity);
  if (!c.auth_identity_url.empty())
    field(out, "auth_identity_url", c.auth_identity_url);
  if (!c.pub_counts.empty()) {
    key(out, "pub_counts");
    out += '[';
    for (size_t i = 0; i < c.pub_counts.size(); ++i) {
      if (i > 0)
        out += ',';
      out += '{';
      field(out, "topic", c.pub_counts[i].topic);
      field(out, "count", c.pub_counts[i].count);
      close_object(out);
    }
    out += "],";
  }
  field(out, "tls", c.tls);
  field(out, "tls_cipher_suite", c.tls_cipher_suite);
  field(out, "tls_version", c.tls_version);
  field(out, "tls_negotiated_protocol", c.tls_negotiated_protocol);
  field(out, "tls_negotiated_protocol_is_mutual", c.tls_negotiated_protocol_is_mutual);
  close_object(out);
}

/// Appends `[a,b]`, or `null` when `is_null`.
template <class T, class F>
void append_array(std::string& out, const std::vector<T>& xs, bool is_null, F each) {
  if (is_null) {
    out += "null";
    return;
  }
  out += '[';
  for (size_t i = 0; i < xs.size(); ++i) {
    if (i > 0)
      out += ',';
    each(out, xs[i]);
  }
  out += ']';
}

void append_channel(std::string& out, const channel_stats& c) {
  out += '{';
  field(out, "channel_name", c.channel_name);
  field(out, "depth", c.depth);
  field(out, "backend_depth", c.backend_depth);
  field(out, "in_flight_count", c.in_flight_count);
  field(out, "deferred_count", c.deferred_count);
  field(out, "message_count", c.message_count);
  field(out, "requeue_count", c.requeue_count);
  field(out, "timeout_count", c.timeout_count);
  field(out, "client_count", c.client_count);
  key(out, "clients");
  append_array(out, c.clients, !c.clients_included, append_client);
  out += ',';
  field(out, "paused", c.paused);
  key(out, "e2e_processing_latency");
  out += render_latency_json(c.e2e);
  out += '}';
}

void append_topic(std::string& out, const topic_stats& t) {
  out += '{';
  field(out, "topic_name", t.topic_name);
  key(out, "channels");
  append_array(out, t.channels, false, append_channel);
  out += ',';
  field(out, "depth", t.depth);
  field(out, "backend_depth", t.backend_depth);
  field(out, "message_count", t.message_count);
  field(out, "message_bytes", t.message_bytes);
  field(out, "paused", t.paused);
  key(out, "e2e_processing_latency");
  out += render_latency_json(t.e2e);
  out += '}';
}

void append_memory(std::string& out, const memory_stats& m) {
  out += '{';
  field(out, "heap_objects", m.heap_objects);
  field(out, "heap_idle_bytes", m.heap_idle_bytes);
  field(out, "heap_in_use_bytes", m.heap_in_use_bytes);
  field(out, "heap_released_bytes", m.heap_released_bytes);
  field(out, "gc_pause_usec_100", m.gc_pause_usec_100);
  field(out, "gc_pause_usec_99", m.gc_pause_usec_99);
  field(out, "gc_pause_usec_95", m.gc_pause_usec_95);
  field(out, "next_gc_bytes", m.next_gc_bytes);
  field(out, "gc_total_runs", m.gc_total_runs);
  close_object(out);
}

// -- text -----------------------------------------------------------------------

std::string printf_string(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

std::string printf_string(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  va_list copy;
  va_copy(copy, ap);
  int n = std::vsnprintf(nullptr, 0, fmt, copy);
  va_end(copy);
  std::string out(n > 0 ? static_cast<size_t>(n) : 0, '\0');
  if (n > 0)
    std::vsnprintf(out.data(), out.size() + 1, fmt, ap);
  va_end(ap);
  return out;
}

/// One percentile value as nsqd prints it in the `e2e%:` column.
std::string latency_value_text(double v) {
  if (v > 1e9)
    return printf_string("%.1fs", v / 1e9);
  if (v > 1e6)
    return printf_string("%.1fms", v / 1e6);
  if (v > 1e3)
    return printf_string("%.1fus", v / 1e3);
  return printf_string("%.1fns", v);
}

std::string latency_text(const latency_stats& l) {
  std::string out;
  for (size_t i = 0; i < l.percentiles.size(); ++i) {
    if (i > 0)
      out += ", ";
    out += latency_value_text(l.percentiles[i].value);
  }
  return out;
}

/// The connection age, truncated to whole seconds.
std::string age_text(const stats_report& r, int64_t connect_ts) {
  int64_t secs = r.now_ns / 1000000000 - connect_ts;
  return go_duration_string((secs < 0 ? 0 : secs) * 1000000000);
}

std::string port_of(const std::string& address) {
  auto colon = address.rfind(':');
  return colon == std::string::npos ? std::string() : address.substr(colon + 1);
}

std::string identifier_of(const client_stats& c) {
  auto id = c.hostname + ":" + port_of(c.remote_address);
  if (!c.user_agent.empty())
    id += " " + c.user_agent;
  return id;
}

void append_client_text(std::string& out, const stats_report& r, const client_stats& c) {
  out += printf_string(
      "        [%s %-21s] state: %lld inflt: %-4lld rdy: %-4lld fin: %-8llu "
      "re-q: %-8llu msgs: %-8llu connected: %s\n",
      "V2", identifier_of(c).c_str(), static_cast<long long>(c.state),
      static_cast<long long>(c.in_flight_count), static_cast<long long>(c.ready_count),
      static_cast<unsigned long long>(c.finish_count),
      static_cast<unsigned long long>(c.requeue_count),
      static_cast<unsigned long long>(c.message_count),
      age_text(r, c.connect_ts).c_str());
}

void append_channel_text(std::string& out, const stats_report& r,
                         const channel_stats& c) {
  out += printf_string(
      "%s[%-25s] depth: %-5lld be-depth: %-5lld inflt: %-4lld def: %-4lld re-q: %-5llu "
      "timeout: %-5llu msgs: %-8llu e2e%%: %s\n",
      c.paused ? "   *P " : "      ", c.channel_name.c_str(),
      static_cast<long long>(c.depth), static_cast<long long>(c.backend_depth),
      static_cast<long long>(c.in_flight_count), static_cast<long long>(c.deferred_count),
      static_cast<unsigned long long>(c.requeue_count),
      static_cast<unsigned long long>(c.timeout_count),
      static_cast<unsigned long long>(c.message_count), latency_text(c.e2e).c_str());
  for (auto& client : c.clients)
    append_client_text(out, r, client);
}

void append_topic_text(std::string& out, const stats_report& r, const topic_stats& t) {
  out += printf_string(
      "\n%s[%-15s] depth: %-5lld be-depth: %-5lld msgs: %-8llu e2e%%: %s\n",
      t.paused ? "*P " : "   ", t.topic_name.c_str(), static_cast<long long>(t.depth),
      static_cast<long long>(t.backend_depth),
      static_cast<unsigned long long>(t.message_count), latency_text(t.e2e).c_str());
  for (auto& c : t.channels)
    append_channel_text(out, r, c);
}

void append_memory_text(std::string& out, const memory_stats& m) {
  out += "\nMemory:\n";
  auto line = [&](const char* name, uint64_t v) {
    out += printf_string("   %-25s\t%llu\n", name, static_cast<unsigned long long>(v));
  };
  line("heap_objects", m.heap_objects);
  line("heap_idle_bytes", m.heap_idle_bytes);
  line("heap_in_use_bytes", m.heap_in_use_bytes);
  line("heap_released_bytes", m.heap_released_bytes);
  line("gc_pause_usec_100", m.gc_pause_usec_100);
  line("gc_pause_usec_99", m.gc_pause_usec_99);
  line("gc_pause_usec_95", m.gc_pause_usec_95);
  line("next_gc_bytes", m.next_gc_bytes);
  line("gc_total_runs", m.gc_total_runs);
}

void append_producers_text(std::string& out, const stats_report& r) {
  if (r.producers.empty() || !r.include_clients) {
    out += "\nProducers: None\n";
    return;
  }
  out += "\nProducers:\n";
  for (auto& p : r.producers) {
    uint64_t total = 0;
    std::string topics;
    for (auto& pc : p.pub_counts) {
      total += pc.count;
      if (!topics.empty())
        topics += ',';
      topics += pc.topic + "=" + std::to_string(pc.count);
    }
    out += printf_string("   [%s %-21s] msgs: %-8llu topics: %s connected: %s\n", "V2",
                         identifier_of(p).c_str(), static_cast<unsigned long long>(total),
                         topics.c_str(), age_text(r, p.connect_ts).c_str());
  }
}

/// Appends `v / 10^digits` with the fraction's trailing zeros removed.
void append_fraction(std::string& out, uint64_t v, int digits) {
  uint64_t scale = 1;
  for (int i = 0; i < digits; ++i)
    scale *= 10;
  out += std::to_string(v / scale);
  auto frac = v % scale;
  if (frac == 0)
    return;
  auto text = std::to_string(frac);
  text.insert(0, static_cast<size_t>(digits) - text.size(), '0');
  while (!text.empty() && text.back() == '0')
    text.pop_back();
  out += '.';
  out += text;
}

} // namespace

std::string render_latency_json(const latency_stats& l) {
  std::string out = "{";
  field(out, "count", l.count);
  key(out, "percentiles");
  if (!l.configured) {
    out += "null}";
    return out;
  }
  out += '[';
  for (size_t i = 0; i < l.percentiles.size(); ++i) {
    if (i > 0)
      out += ',';
    out += "{\"quantile\":" + json_float(l.percentiles[i].quantile) +
           ",\"value\":" + json_float(l.percentiles[i].value) + "}";
  }
  out += "]}";
  return out;
}

std::string render_stats_json(const stats_report& r) {
  std::string out = "{";
  field(out, "version", r.version);
  field(out, "health", r.health);
  field(out, "start_time", r.start_time_ns / 1000000000);
  key(out, "topics");
  append_array(out, r.topics, r.topics_null, append_topic);
  out += ',';
  if (r.memory) {
    key(out, "memory");
    append_memory(out, *r.memory);
    out += ',';
  }
  key(out, "producers");
  append_array(out, r.producers, !r.include_clients || r.producers.empty(),
               append_client);
  out += '}';
  return out;
}

std::string render_stats_text(const stats_report& r) {
  std::string out = r.banner + "\n";
  out += "start_time " + rfc3339_local(r.start_time_ns / 1000000000) + "\n";
  out += "uptime " + go_duration_string(r.now_ns - r.start_time_ns) + "\n";
  out += "\nHealth: " + r.health + "\n";
  if (r.memory)
    append_memory_text(out, *r.memory);
  if (r.topics.empty()) {
    out += "\nTopics: None\n";
  } else {
    out += "\nTopics:";
    for (auto& t : r.topics)
      append_topic_text(out, r, t);
  }
  append_producers_text(out, r);
  return out;
}

std::string go_duration_string(int64_t ns) {
  if (ns == 0)
    return "0s";
  std::string out;
  uint64_t u = ns < 0 ? static_cast<uint64_t>(-(ns + 1)) + 1 : static_cast<uint64_t>(ns);
  if (ns < 0)
    out += '-';
  if (u < 1000) {
    out += std::to_string(u) + "ns";
  } else if (u < 1000000) {
    append_fraction(out, u, 3);
    out += "\xc2\xb5s"; // µs, as Go writes it
  } else if (u < 1000000000) {
    append_fraction(out, u, 6);
    out += "ms";
  } else {
    uint64_t secs = u / 1000000000;
    uint64_t h = secs / 3600, m = secs / 60 % 60;
    if (h > 0)
      out += std::to_string(h) + "h";
    if (h > 0 || m > 0)
      out += std::to_string(m) + "m";
    append_fraction(out, u % 60000000000ULL, 9);
    out += 's';
  }
  return out;
}

std::string rfc3339_local(int64_t unix_seconds) {
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  localtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = buf;
  long off = tm.tm_gmtoff;
  if (off == 0)
    return out + "Z";
  char sign = off < 0 ? '-' : '+';
  off = off < 0 ? -off : off;
  return out + printf_string("%c%02ld:%02ld", sign, off / 3600, off / 60 % 60);
}

} // namespace nsq
