#include "app/statsd_start.hpp"

#include "actors/http_api.hpp"
#include "actors/log.hpp"
#include "actors/process_memory.hpp"
#include "actors/statsd_pusher.hpp"
#include "app/hostname.hpp"
#include "app/version.hpp"
#include "net/udp_sender.hpp"
#include "protocol/statsd.hpp"

#include <caf/actor_system.hpp>

namespace nsq {

int64_t broadcast_http_port(const settings& s, int bound_http_port) {
  return s.broadcast_http_port != 0 ? s.broadcast_http_port : bound_http_port;
}

caf::actor start_statsd(caf::actor_system& sys, caf::actor broker,
                        std::shared_ptr<const settings> cfg, int bound_http_port,
                        int64_t start_time_ns) {
  if (cfg->statsd_address.empty())
    return nullptr;
  if (cfg->statsd_interval.count() <= 0) {
    // nsqd panics here (a non-positive ticker); pushing in a busy loop would
    // be worse, so statsd stays off and says why.
    log_error("statsd disabled: --statsd-interval must be positive");
    return nullptr;
  }
  // The gathering reads only the broker, the settings (percentiles) and
  // these two; the HTTP API's own context may not exist (HTTP off).
  auto ctx = std::make_shared<http_context>();
  ctx->broker = broker;
  ctx->cfg = cfg;
  ctx->banner = version_banner();
  ctx->start_time_ns = start_time_ns;
  auto address = cfg->broadcast_address.empty() ? os_hostname() : cfg->broadcast_address;
  statsd_config sc;
  sc.address = cfg->statsd_address;
  sc.prefix = expand_statsd_prefix(cfg->statsd_prefix, address,
                                   broadcast_http_port(*cfg, bound_http_port));
  sc.interval = cfg->statsd_interval;
  sc.mem_stats = cfg->statsd_mem_stats;
  sc.exclude_ephemeral = cfg->statsd_exclude_ephemeral;
  // nsqd's bufio.NewWriterSize takes a size <= 0 as its default, 4096.
  auto size = cfg->statsd_udp_packet_size;
  sc.packet_size = static_cast<size_t>(size > 0 ? size : 4096);
  sc.dial = dial_udp;
  sc.source = gathered_stats_source(sys, ctx);
  sc.memory = read_process_memory;
  return spawn_statsd_pusher(sys, std::move(sc));
}

} // namespace nsq
