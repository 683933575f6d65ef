#include "app/option_table.hpp"

#include "actors/log.hpp"
#include "app/cluster_options.hpp"
#include "app/go_values.hpp"

#include <cctype>

// Most rows leave the trailing custom-kind fields at their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace nsq {

namespace {

using s = settings;
using k = option_kind;

std::string lower(std::string_view text) {
  std::string out{text};
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string parse_log_level_option(std::string_view text, settings& out) {
  log_level level;
  if (!parse_log_level(text, level))
    return "invalid log-level '" + std::string{text} + "'";
  out.log_level = lower(text);
  return {};
}

/// --tls-required: a Go bool or `tcp-https` (case-insensitive).
std::string parse_tls_required(std::string_view text, settings& out) {
  auto v = lower(text);
  bool required = false;
  if (v == "tcp-https")
    out.tls_required = s::tls_policy::tcp_https;
  else if (parse_go_bool(v, required))
    out.tls_required = required ? s::tls_policy::required : s::tls_policy::not_required;
  else
    return "strconv.ParseBool: parsing \"" + v + "\": invalid syntax";
  return {};
}

/// --tls-min-version; "" keeps the default. ssl3.0 is refused: neither
/// OpenSSL 3 nor Go's crypto/tls still offer it.
std::string parse_tls_min_version(std::string_view text, settings& out) {
  static constexpr std::pair<std::string_view, int> versions[] = {
      {"tls1.0", 0x0301}, {"tls1.1", 0x0302}, {"tls1.2", 0x0303}, {"tls1.3", 0x0304}};
  auto v = lower(text);
  if (v.empty())
    return {};
  for (auto& [name, number] : versions)
    if (v == name) {
      out.tls_min_version = number;
      return {};
    }
  return "unknown tlsVersionOption \"" + v + "\"";
}

std::vector<option_spec> make_table() {
  return {
      {"log-level",
       "log_level",
       k::custom,
       {},
       "set log verbosity: debug, info, warn, error, or fatal",
       parse_log_level_option,
       false,
       "info"},
      {"log-prefix", "log_prefix", k::text, &s::log_prefix, "log message prefix"},
      {"verbose",
       "verbose",
       k::boolean,
       {},
       "[deprecated] has no effect, use --log-level"},
      {"node-id", "id", k::integer, &s::node_id,
       "unique part for message IDs, (int) in range [0,1024) (default is hash of "
       "hostname)"},
      {"worker-id",
       "",
       k::boolean,
       {},
       "[deprecated] use --node-id (a boolean, accepted and ignored)"},
      {"https-address", "https_address", k::text, &s::https_address,
       "<addr>:<port> to listen on for HTTPS clients"},
      {"http-address", "http_address", k::text, &s::http_address,
       "<addr>:<port> to listen on for HTTP clients"},
      {"tcp-address", "tcp_address", k::text, &s::tcp_address,
       "<addr>:<port> to listen on for TCP clients"},
      {"auth-http-address", "auth_http_addresses", k::text_list, &s::auth_http_addresses,
       "<addr>:<port> or a full url to query auth server (may be given multiple times)"},
      {"broadcast-address", "broadcast_address", k::text, &s::broadcast_address,
       "address that will be registered with lookupd (defaults to the OS hostname)"},
      {"broadcast-tcp-port", "broadcast_tcp_port", k::integer, &s::broadcast_tcp_port,
       "TCP port that will be registered with lookupd (defaults to the TCP port that "
       "this "
       "nsqd is listening on)"},
      {"broadcast-http-port", "broadcast_http_port", k::integer, &s::broadcast_http_port,
       "HTTP port that will be registered with lookupd (defaults to the HTTP port that "
       "this nsqd is listening on)"},
      {"lookupd-tcp-address", "nsqlookupd_tcp_addresses", k::text_list,
       &s::lookupd_tcp_addresses, "lookupd TCP address (may be given multiple times)"},
      {"http-client-connect-timeout", "http_client_connect_timeout", k::duration,
       &s::http_client_connect_timeout, "timeout for HTTP connect"},
      {"http-client-request-timeout", "http_client_request_timeout", k::duration,
       &s::http_client_request_timeout, "timeout for HTTP request"},
      {"data-path", "data_path", k::text, &s::data_path,
       "path to store disk-backed messages"},
      {"mem-queue-size", "mem_queue_size", k::integer, &s::mem_queue_size,
       "number of messages to keep in memory (per topic/channel)"},
      {"max-bytes-per-file", "max_bytes_per_file", k::integer, &s::max_bytes_per_file,
       "number of bytes per diskqueue file before rolling"},
      {"sync-every", "sync_every", k::integer, &s::sync_every,
       "number of messages per diskqueue fsync"},
      {"sync-timeout", "sync_timeout", k::duration, &s::sync_timeout,
       "duration of time per diskqueue fsync"},
      {"queue-scan-worker-pool-max", "queue_scan_worker_pool_max", k::integer,
       &s::queue_scan_worker_pool_max,
       "max concurrency for checking in-flight and deferred message timeouts"
       " (accepted for nsqd compatibility; caf-nsqd has no queue scan loop: in-flight "
       "and deferred timeouts fire on exact timers)"},
      {"queue-scan-selection-count", "queue_scan_selection_count", k::integer,
       &s::queue_scan_selection_count,
       "number of channels to check per cycle (every 100ms) for in-flight and deferred "
       "timeouts"
       " (accepted for nsqd compatibility; caf-nsqd has no queue scan loop: in-flight "
       "and deferred timeouts fire on exact timers)"},
      {"msg-timeout", "msg_timeout", k::duration, &s::msg_timeout,
       "default duration to wait before auto-requeing a message"},
      {"max-msg-timeout", "max_msg_timeout", k::duration, &s::max_msg_timeout,
       "maximum duration before a message will timeout"},
      {"max-msg-size", "max_msg_size", k::integer, &s::max_msg_size,
       "maximum size of a single message in bytes"},
      {"max-req-timeout", "max_req_timeout", k::duration, &s::max_req_timeout,
       "maximum requeuing timeout for a message"},
      {"max-body-size", "max_body_size", k::integer, &s::max_body_size,
       "maximum size of a single command body"},
      {"max-heartbeat-interval", "max_heartbeat_interval", k::duration,
       &s::max_heartbeat_interval,
       "maximum client configurable duration of time between client heartbeats"},
      {"max-rdy-count", "max_rdy_count", k::integer, &s::max_rdy_count,
       "maximum RDY count for a client"},
      {"max-output-buffer-size", "max_output_buffer_size", k::integer,
       &s::max_output_buffer_size,
       "maximum client configurable size (in bytes) for a client output buffer"},
      {"max-output-buffer-timeout", "max_output_buffer_timeout", k::duration,
       &s::max_output_buffer_timeout,
       "maximum client configurable duration of time between flushing to a client"},
      {"min-output-buffer-timeout", "min_output_buffer_timeout", k::duration,
       &s::min_output_buffer_timeout,
       "minimum client configurable duration of time between flushing to a client"},
      {"output-buffer-timeout", "output_buffer_timeout", k::duration,
       &s::output_buffer_timeout,
       "default duration of time between flushing data to clients"},
      {"max-channel-consumers", "max_channel_consumers", k::integer,
       &s::max_channel_consumers,
       "maximum channel consumer connection count per nsqd instance (default 0, i.e., "
       "unlimited)"},
      {"statsd-address", "statsd_address", k::text, &s::statsd_address,
       "UDP <addr>:<port> of a statsd daemon for pushing stats"},
      {"statsd-interval", "statsd_interval", k::duration, &s::statsd_interval,
       "duration between pushing to statsd"},
      {"statsd-mem-stats", "statsd_mem_stats", k::boolean, &s::statsd_mem_stats,
       "toggle sending memory and GC stats to statsd"},
      {"statsd-prefix", "statsd_prefix", k::text, &s::statsd_prefix,
       "prefix used for keys sent to statsd (%s for host replacement)"},
      {"statsd-udp-packet-size", "statsd_udp_packet_size", k::integer,
       &s::statsd_udp_packet_size, "the size in bytes of statsd UDP packets"},
      {"statsd-exclude-ephemeral", "statsd_exclude_ephemeral", k::boolean,
       &s::statsd_exclude_ephemeral,
       "Skip ephemeral topics and channels when sending stats to statsd"},
      {"e2e-processing-latency-percentile", "e2e_processing_latency_percentiles",
       k::number_list, &s::e2e_processing_latency_percentiles,
       "message processing time percentiles (as float (0, 1.0]) to track (can be "
       "specified multiple times or comma separated '1.0,0.99,0.95', default none)"},
      {"e2e-processing-latency-window-time", "e2e_processing_latency_window_time",
       k::duration, &s::e2e_processing_latency_window_time,
       "calculate end to end latency quantiles for this duration of time (ie: 60s would "
       "only show quantile calculations from the past 60 seconds)"},
      {"tls-cert", "tls_cert", k::text, &s::tls_cert, "path to certificate file"},
      {"tls-key", "tls_key", k::text, &s::tls_key, "path to key file"},
      {"tls-client-auth-policy", "tls_client_auth_policy", k::text,
       &s::tls_client_auth_policy,
       "client certificate auth policy ('require' or 'require-verify')"},
      {"tls-root-ca-file", "tls_root_ca_file", k::text, &s::tls_root_ca_file,
       "path to certificate authority file"},
      {"tls-required",
       "tls_required",
       k::custom,
       {},
       "require TLS for client connections (true, false, tcp-https)",
       parse_tls_required,
       true,
       ""},
      {"tls-min-version",
       "tls_min_version",
       k::custom,
       {},
       "minimum SSL/TLS version acceptable ('ssl3.0', 'tls1.0', 'tls1.1', 'tls1.2' or "
       "'tls1.3'; caf-nsqd refuses ssl3.0)",
       parse_tls_min_version,
       false,
       "769"},
      {"deflate", "deflate", k::boolean, &s::deflate_enabled,
       "enable deflate feature negotiation (client compression)"},
      {"max-deflate-level", "max_deflate_level", k::integer, &s::max_deflate_level,
       "max deflate compression level a client can negotiate (> values == > nsqd CPU "
       "usage)"},
      {"snappy", "snappy", k::boolean, &s::snappy_enabled,
       "enable snappy feature negotiation (client compression)"},
      // Not an nsqd flag (Go nsqd reads GOMAXPROCS): bench/run.sh --scaling.
      {"scheduler-threads", "scheduler_threads", k::integer, &s::scheduler_threads,
       "caf-nsqd only: worker threads of the actor scheduler, [1,64]; default: one "
       "fewer than the cores, at least 1 (Go nsqd: GOMAXPROCS)"},
  };
}

} // namespace

const std::vector<option_spec>& nsqd_options() {
  static const auto table = [] {
    auto t = make_table();
    auto ours = cluster_options(); // caf-nsqd's own flags after nsqd's
    t.insert(t.end(), ours.begin(), ours.end());
    return t;
  }();
  return table;
}

} // namespace nsq
