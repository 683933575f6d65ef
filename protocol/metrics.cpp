#include "protocol/metrics.hpp"

#include "protocol/go_json.hpp"

#include <cstdint>
#include <map>
#include <vector>

namespace nsq {

namespace {

/// One metric family: help, type and its samples (label set → value).
struct family {
  const char* help;
  const char* type;
  std::vector<std::pair<std::string, std::string>> samples;
};

/// Escapes a label value (backslash, quote, newline).
std::string label_value(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"')
      out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string labels(std::initializer_list<std::pair<const char*, std::string>> kv) {
  std::string out;
  for (auto& [k, v] : kv)
    out += std::string(out.empty() ? "{" : ",") + k + "=\"" + label_value(v) + "\"";
  return out.empty() ? out : out + "}";
}

class exposition {
public:
  void add(const std::string& name, const char* help, const char* type,
           std::string label_set, std::string value) {
    auto& f = families_[name];
    f.help = help;
    f.type = type;
    f.samples.emplace_back(std::move(label_set), std::move(value));
  }

  template <class T>
  void num(const std::string& name, const char* help, const char* type,
           std::string label_set, T v) {
    add(name, help, type, std::move(label_set), std::to_string(v));
  }

  std::string text() const {
    std::string out;
    for (auto& [name, f] : families_) {
      out += "# HELP " + name + " " + f.help + "\n# TYPE " + name + " " + f.type + "\n";
      for (auto& [l, v] : f.samples)
        out += name + l + " " + v + "\n";
    }
    return out;
  }

private:
  std::map<std::string, family> families_;
};

void add_latency(exposition& e, const std::string& prefix, const std::string& base_labels,
                 const latency_stats& l) {
  for (auto& p : l.percentiles) {
    auto ls = base_labels.substr(0, base_labels.size() - 1) + ",quantile=\"" +
              json_float(p.quantile) + "\"}";
    e.add(prefix + "_e2e_processing_latency_seconds",
          "end-to-end processing latency (publish to FIN) percentiles", "summary", ls,
          json_float(p.value / 1e9));
  }
  e.num(prefix + "_e2e_processing_latency_seconds_count",
        "FIN latency samples in the window", "gauge", base_labels, l.count);
}

void add_channel(exposition& e, const std::string& topic, const channel_stats& c) {
  auto ls = labels({{"topic", topic}, {"channel", c.channel_name}});
  e.num("nsqd_channel_depth", "messages in the channel's queue (memory + disk)", "gauge",
        ls, c.depth);
  e.num("nsqd_channel_backend_depth", "messages in the channel's disk queue", "gauge", ls,
        c.backend_depth);
  e.num("nsqd_channel_in_flight", "messages in flight", "gauge", ls, c.in_flight_count);
  e.num("nsqd_channel_deferred", "deferred messages", "gauge", ls, c.deferred_count);
  e.num("nsqd_channel_messages_total", "messages copied into the channel", "counter", ls,
        c.message_count);
  e.num("nsqd_channel_requeued_total", "messages requeued", "counter", ls,
        c.requeue_count);
  e.num("nsqd_channel_timed_out_total", "in-flight timeouts", "counter", ls,
        c.timeout_count);
  e.num("nsqd_channel_clients", "connected consumers", "gauge", ls, c.client_count);
  e.num("nsqd_channel_paused", "1 if the channel is paused", "gauge", ls,
        c.paused ? 1 : 0);
  if (c.e2e.configured)
    add_latency(e, "nsqd_channel", ls, c.e2e);
  for (auto& cl : c.clients) {
    auto cls = labels({{"topic", topic},
                       {"channel", c.channel_name},
                       {"client_id", cl.client_id},
                       {"remote_address", cl.remote_address}});
    e.num("nsqd_client_ready", "the client's RDY count", "gauge", cls, cl.ready_count);
    e.num("nsqd_client_in_flight", "messages in flight to the client", "gauge", cls,
          cl.in_flight_count);
    e.num("nsqd_client_messages_total", "messages sent to the client", "counter", cls,
          cl.message_count);
    e.num("nsqd_client_finished_total", "messages the client finished", "counter", cls,
          cl.finish_count);
    e.num("nsqd_client_requeued_total", "messages the client requeued", "counter", cls,
          cl.requeue_count);
  }
}

} // namespace

std::string render_metrics(const stats_report& r) {
  exposition e;
  e.num("nsqd_up", "1 while nsqd serves; health in the label", "gauge",
        labels({{"version", r.version}, {"health", r.health}}), 1);
  e.num("nsqd_start_time_seconds", "Unix time the server started", "gauge", "",
        r.start_time_ns / 1000000000);
  for (auto& t : r.topics) {
    auto ls = labels({{"topic", t.topic_name}});
    e.num("nsqd_topic_depth", "messages held by the topic (memory + disk)", "gauge", ls,
          t.depth);
    e.num("nsqd_topic_backend_depth", "messages in the topic's disk queue", "gauge", ls,
          t.backend_depth);
    e.num("nsqd_topic_messages_total", "messages published to the topic", "counter", ls,
          t.message_count);
    e.num("nsqd_topic_message_bytes_total", "bytes of message bodies published",
          "counter", ls, t.message_bytes);
    e.num("nsqd_topic_channels", "channels of the topic", "gauge", ls, t.channels.size());
    e.num("nsqd_topic_paused", "1 if the topic is paused", "gauge", ls, t.paused ? 1 : 0);
    if (t.e2e.configured)
      add_latency(e, "nsqd_topic", ls, t.e2e);
    for (auto& c : t.channels)
      add_channel(e, t.topic_name, c);
  }
  for (auto& p : r.producers)
    for (auto& pc : p.pub_counts)
      e.num("nsqd_producer_published_total", "messages a TCP producer published",
            "counter",
            labels({{"client_id", p.client_id},
                    {"remote_address", p.remote_address},
                    {"topic", pc.topic}}),
            pc.count);
  if (r.memory)
    e.num("nsqd_resident_memory_bytes", "resident set size of the process", "gauge", "",
          r.memory->heap_in_use_bytes);
  return e.text();
}

} // namespace nsq
