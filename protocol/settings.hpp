#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace nsq {

/// The broker's configuration, with nsqd v1.3.0's names and defaults
/// (reference §14.2). app/ fills it from flags; everything else reads it.
struct settings {
  using ms = std::chrono::milliseconds;

  std::string tcp_address = "0.0.0.0:4150";
  std::string http_address = "0.0.0.0:4151";
  std::string broadcast_address; // empty: the OS hostname
  std::string data_path;         // empty: the current directory, as nsqd
  std::string log_level = "info";
  std::string log_prefix = "[nsqd] ";

  /// nsqlookupd registration (§16): TCP addresses of every lookupd, and the
  /// ports announced to them (0 = the port actually bound).
  std::vector<std::string> lookupd_tcp_addresses;
  int64_t broadcast_tcp_port = 0;
  int64_t broadcast_http_port = 0;

  /// statsd (§15.9): empty address = off. The prefix's `%s` is expanded with
  /// the host key at startup.
  std::string statsd_address;
  std::string statsd_prefix = "nsq.%s";
  ms statsd_interval{60000};
  bool statsd_mem_stats = true;
  int64_t statsd_udp_packet_size = 508;
  bool statsd_exclude_ephemeral = false;

  /// Accepted for nsqd compatibility; caf-nsqd has no scan loop (exact timers).
  int64_t queue_scan_worker_pool_max = 4;
  int64_t queue_scan_selection_count = 20;
  int64_t node_id = 0; // app/ derives nsqd's default from the hostname

  int64_t mem_queue_size = 10000;
  int64_t max_bytes_per_file = 104857600;
  int64_t sync_every = 2500;
  ms sync_timeout{2000};

  ms msg_timeout{60000};
  ms max_msg_timeout{15 * 60 * 1000};
  int64_t max_msg_size = 1048576;
  int64_t max_body_size = 5242880;
  ms max_req_timeout{60 * 60 * 1000};
  ms max_heartbeat_interval{60000};
  int64_t max_rdy_count = 2500;
  int64_t max_output_buffer_size = 65536;
  ms max_output_buffer_timeout{30000};
  ms min_output_buffer_timeout{25};
  ms output_buffer_timeout{250};
  int64_t max_channel_consumers = 0; // 0 = unlimited

  /// caf-nsqd only (nsqd has GOMAXPROCS): CAF scheduler worker threads.
  /// Unless given, the options derive it: one fewer than the cores, at least 1.
  int64_t scheduler_threads = 0;

  // End-to-end processing latency (§15.10): percentiles sorted descending,
  // empty = not measured; the sliding window they cover.
  std::vector<double> e2e_processing_latency_percentiles;
  ms e2e_processing_latency_window_time{10 * 60 * 1000};

  // Fixed in nsqd (no flag): ClientTimeout 60 s / 2.
  ms default_heartbeat_interval{30000};
  static constexpr int64_t default_output_buffer_size = 16384;

  // Feature negotiation (§6, §10). tls_available is derived: cert and key given.
  bool tls_available = false;
  bool snappy_enabled = true;
  bool deflate_enabled = true;
  int64_t max_deflate_level = 6;
  bool auth_required = false;

  /// --tls-required: 0 no, 1 on TCP only (tcp-https), 2 on TCP and plain HTTP (true).
  enum class tls_policy : int { not_required = 0, tcp_https = 1, required = 2 };
  std::string https_address = "0.0.0.0:4152";
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_auth_policy; ///< "require", "require-verify", else none
  std::string tls_root_ca_file;
  tls_policy tls_required = tls_policy::not_required;
  int tls_min_version = 0x0301; ///< TLS protocol version number (0x0301 = TLS 1.0)

  /// AUTH (§9): auth servers (`host:port` or a full URL); auth is required
  /// iff there is at least one (app/ sets auth_required). Outbound HTTP timeouts.
  std::vector<std::string> auth_http_addresses;
  ms http_client_connect_timeout{2000};
  ms http_client_request_timeout{5000};

  /// Cluster through CAF's middleman (ours; docs/cluster.md): empty
  /// address = off. Peers are joined at start; the TLS files turn on
  /// caf_openssl with peer verification. A peer silent for cluster_timeout
  /// is dropped (middleman heartbeats every quarter of it). Members reach
  /// this node on cluster_broadcast_address when given (a NAT, a port
  /// mapping or a proxy in between), else on cluster_address.
  std::string cluster_address;
  std::string cluster_broadcast_address;
  std::vector<std::string> cluster_peers;
  std::string cluster_tls_cert;
  std::string cluster_tls_key;
  std::string cluster_tls_ca;
  ms cluster_timeout{4000};

  /// Returns how many messages a non-ephemeral topic or channel keeps in
  /// memory in front of its disk queue. With --sync-every=1 the operator asks
  /// that no acknowledged message be lost to a crash, so everything is
  /// written through to disk (as --mem-queue-size=0).
  int64_t disk_backed_mem_queue_size() const {
    return sync_every == 1 ? 0 : mem_queue_size;
  }

  /// Returns the largest MPUB message count: (max-body-size - 4) / 5.
  int64_t max_mpub_count() const { return (max_body_size - 4) / 5; }
};

} // namespace nsq
