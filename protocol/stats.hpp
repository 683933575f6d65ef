#pragma once

// The figures of nsqd's /stats (reference §13.7) as plain values, and their
// renderings: nsqd's JSON (exact key order, null vs []) and its text layout.
// The actors fill these; /metrics renders the same values (metrics.hpp).

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nsq {

/// One configured percentile and its value in nanoseconds.
struct percentile_value {
  double quantile = 0;
  double value = 0;
};

/// `e2e_processing_latency`: samples in the window and the percentiles
/// (empty and `configured == false` when no percentile flag was given).
struct latency_stats {
  bool configured = false;
  uint64_t count = 0;
  std::vector<percentile_value> percentiles;
};

/// How many messages a producer published to one topic.
struct pub_count {
  std::string topic;
  uint64_t count = 0;
};

/// One client connection (a consumer under `clients`, a publisher under
/// `producers`), fields in nsqd's order.
struct client_stats {
  std::string client_id;
  std::string hostname;
  std::string remote_address; ///< ip:port
  int64_t state = 0;          ///< §4: 0 init, 3 subscribed, 4 closing
  int64_t ready_count = 0;
  int64_t in_flight_count = 0;
  uint64_t message_count = 0;
  uint64_t finish_count = 0;
  uint64_t requeue_count = 0;
  int64_t connect_ts = 0; ///< Unix seconds
  int64_t sample_rate = 0;
  bool deflate = false;
  bool snappy = false;
  std::string user_agent;
  bool authed = false;               ///< omitted from JSON when false
  std::string auth_identity;         ///< omitted from JSON when empty
  std::string auth_identity_url;     ///< omitted from JSON when empty
  std::vector<pub_count> pub_counts; ///< omitted from JSON when empty
  bool tls = false;
  std::string tls_cipher_suite;
  std::string tls_version;
  std::string tls_negotiated_protocol;
  bool tls_negotiated_protocol_is_mutual = false;
};

struct channel_stats {
  std::string channel_name;
  int64_t depth = 0;
  int64_t backend_depth = 0;
  int64_t in_flight_count = 0;
  int64_t deferred_count = 0;
  uint64_t message_count = 0;
  uint64_t requeue_count = 0;
  uint64_t timeout_count = 0;
  int64_t client_count = 0;
  bool clients_included = true; ///< false: `clients` is null
  std::vector<client_stats> clients;
  bool paused = false;
  latency_stats e2e;
};

struct topic_stats {
  std::string topic_name;
  std::vector<channel_stats> channels;
  int64_t depth = 0;
  int64_t backend_depth = 0;
  uint64_t message_count = 0;
  uint64_t message_bytes = 0;
  bool paused = false;
  latency_stats e2e;
};

/// nsqd reports Go runtime figures here; we report what we can measure of
/// our own process (zeros where C++ has no equivalent, e.g. GC pauses).
struct memory_stats {
  uint64_t heap_objects = 0;
  uint64_t heap_idle_bytes = 0;
  uint64_t heap_in_use_bytes = 0;
  uint64_t heap_released_bytes = 0;
  uint64_t gc_pause_usec_100 = 0;
  uint64_t gc_pause_usec_99 = 0;
  uint64_t gc_pause_usec_95 = 0;
  uint64_t next_gc_bytes = 0;
  uint64_t gc_total_runs = 0;
};

/// Everything one /stats answer shows.
struct stats_report {
  std::string banner;  ///< first line of the text format
  std::string version; ///< "1.3.0"
  std::string health;  ///< "OK" or "NOK - <err>"
  int64_t start_time_ns = 0;
  int64_t now_ns = 0;
  bool topics_null = false; ///< the topic filter named no existing topic
  std::vector<topic_stats> topics;
  std::optional<memory_stats> memory;
  bool include_clients = true;
  std::vector<client_stats> producers;
};

/// Renders the JSON answer of `/stats?format=json` (compact, nsqd's key order).
std::string render_stats_json(const stats_report& r);

/// Renders the text answer of `/stats` (nsqd's printf layout).
std::string render_stats_text(const stats_report& r);

/// Renders one latency object: {"count":N,"percentiles":[...]|null}.
std::string render_latency_json(const latency_stats& l);

/// Returns Go's time.Duration.String() of `ns` (e.g. `1m2.838159011s`, `250ms`).
std::string go_duration_string(int64_t ns);

/// Returns `unix_seconds` as RFC 3339 in the local time zone (Go's time.RFC3339).
std::string rfc3339_local(int64_t unix_seconds);

} // namespace nsq
