#include "protocol/statsd.hpp"

#include "protocol/names.hpp"

#include <algorithm>
#include <cstdio>
#include <map>

namespace nsq {

namespace {

/// Go's net.JoinHostPort: an IPv6 host gets brackets.
std::string join_host_port(std::string_view host, int64_t port) {
  std::string h(host);
  if (h.find(':') != std::string::npos)
    h = "[" + h + "]";
  return h + ":" + std::to_string(port);
}

/// Appends lines `<prefix><stat>:<value>|<type>\n`.
class line_writer {
public:
  line_writer(const std::string& prefix, std::vector<std::string>& out)
      : prefix_(prefix), out_(out) {}

  void counter(const std::string& stat, int64_t delta) { add(stat, delta, "|c\n"); }
  void gauge(const std::string& stat, int64_t value) { add(stat, value, "|g\n"); }

  /// One gauge per configured percentile: `<stat>_<quantile×100, 0 decimals>`.
  void percentiles(const std::string& stat, const latency_stats& l) {
    for (auto& p : l.percentiles) {
      char pct[32];
      std::snprintf(pct, sizeof pct, "%.0f", p.quantile * 100.0);
      gauge(stat + "_" + pct, static_cast<int64_t>(p.value)); // ns, truncated as nsqd
    }
  }

private:
  void add(const std::string& stat, int64_t value, const char* type) {
    out_.push_back(prefix_ + stat + ":" + std::to_string(value) + type);
  }

  const std::string& prefix_;
  std::vector<std::string>& out_;
};

/// A counter delta as nsqd computes it: unsigned difference read as signed
/// (a recreated topic's smaller total gives a negative delta, not a huge one).
int64_t delta(uint64_t now, uint64_t before) {
  return static_cast<int64_t>(now - before);
}

template <class T, class Name>
std::vector<const T*> sorted_by_name(const std::vector<T>& xs, Name name) {
  std::vector<const T*> out;
  for (auto& x : xs)
    out.push_back(&x);
  std::stable_sort(out.begin(), out.end(),
                   [&](const T* a, const T* b) { return name(*a) < name(*b); });
  return out;
}

const topic_stats* find_topic(const statsd_snapshot& s, const std::string& name) {
  for (auto& t : s.topics)
    if (t.topic_name == name)
      return &t;
  return nullptr;
}

const channel_stats* find_channel(const topic_stats* t, const std::string& name) {
  if (t != nullptr)
    for (auto& c : t->channels)
      if (c.channel_name == name)
        return &c;
  return nullptr;
}

void channel_lines(line_writer& w, const std::string& topic, const channel_stats& c,
                   const channel_stats& last) {
  auto base = "topic." + topic + ".channel." + c.channel_name + ".";
  w.counter(base + "message_count", delta(c.message_count, last.message_count));
  w.gauge(base + "depth", c.depth);
  w.gauge(base + "backend_depth", c.backend_depth);
  w.gauge(base + "in_flight_count", c.in_flight_count);
  w.gauge(base + "deferred_count", c.deferred_count);
  w.counter(base + "requeue_count", delta(c.requeue_count, last.requeue_count));
  w.counter(base + "timeout_count", delta(c.timeout_count, last.timeout_count));
  w.gauge(base + "clients", c.client_count);
  w.percentiles(base + "e2e_processing_latency", c.e2e);
}

void topic_lines(line_writer& w, const topic_stats& t, const topic_stats* last,
                 const statsd_format& fmt) {
  static const topic_stats none;
  auto& l = last != nullptr ? *last : none;
  auto base = "topic." + t.topic_name + ".";
  w.counter(base + "message_count", delta(t.message_count, l.message_count));
  w.counter(base + "message_bytes", delta(t.message_bytes, l.message_bytes));
  w.gauge(base + "depth", t.depth);
  w.gauge(base + "backend_depth", t.backend_depth);
  w.percentiles(base + "e2e_processing_latency", t.e2e);
  auto chans = sorted_by_name(t.channels, [](auto& c) { return c.channel_name; });
  for (auto* c : chans) {
    if (fmt.exclude_ephemeral && is_ephemeral(c->channel_name))
      continue;
    static const channel_stats none_ch;
    auto* lc = find_channel(last, c->channel_name);
    channel_lines(w, t.topic_name, *c, lc != nullptr ? *lc : none_ch);
  }
}

/// nsqd sends Go runtime figures; `m` holds our closest equivalents.
void memory_lines(line_writer& w, const memory_stats& m, const memory_stats& last) {
  auto g = [&](const char* stat, uint64_t v) { w.gauge(stat, static_cast<int64_t>(v)); };
  g("mem.heap_objects", m.heap_objects);
  g("mem.heap_idle_bytes", m.heap_idle_bytes);
  g("mem.heap_in_use_bytes", m.heap_in_use_bytes);
  g("mem.heap_released_bytes", m.heap_released_bytes);
  g("mem.gc_pause_usec_100", m.gc_pause_usec_100);
  g("mem.gc_pause_usec_99", m.gc_pause_usec_99);
  g("mem.gc_pause_usec_95", m.gc_pause_usec_95);
  g("mem.next_gc_bytes", m.next_gc_bytes);
  w.counter("mem.gc_runs", delta(m.gc_total_runs, last.gc_total_runs));
}

} // namespace

std::string expand_statsd_prefix(std::string_view prefix,
                                 std::string_view broadcast_address, int64_t http_port) {
  if (prefix.empty())
    return {};
  auto key = join_host_port(broadcast_address, http_port);
  std::replace(key.begin(), key.end(), '.', '_');
  std::replace(key.begin(), key.end(), ':', '_');
  std::string out;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (prefix[i] == '%' && i + 1 < prefix.size() && prefix[i + 1] == 's') {
      out += key;
      ++i;
    } else {
      out += prefix[i];
    }
  }
  if (out.back() != '.')
    out += '.';
  return out;
}

std::vector<std::string> statsd_lines(const statsd_snapshot& now,
                                      const statsd_snapshot& before,
                                      const statsd_format& fmt) {
  std::vector<std::string> out;
  line_writer w(fmt.prefix, out);
  auto topics = sorted_by_name(now.topics, [](auto& t) { return t.topic_name; });
  for (auto* t : topics) {
    if (fmt.exclude_ephemeral && is_ephemeral(t->topic_name))
      continue;
    topic_lines(w, *t, find_topic(before, t->topic_name), fmt);
  }
  if (now.memory)
    memory_lines(w, *now.memory, before.memory.value_or(memory_stats{}));
  return out;
}

std::vector<std::string> pack_datagrams(const std::vector<std::string>& lines,
                                        size_t max_size) {
  std::vector<std::string> out;
  std::string current;
  for (auto& line : lines) {
    if (!current.empty() && current.size() + line.size() > max_size) {
      out.push_back(std::move(current));
      current.clear();
    }
    current += line;
    if (current.size() >= max_size) { // full, or one oversized line alone
      out.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty())
    out.push_back(std::move(current));
  return out;
}

} // namespace nsq
