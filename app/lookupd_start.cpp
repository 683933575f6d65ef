#include "app/lookupd_start.hpp"

#include "actors/lookupd_coordinator.hpp"
#include "actors/lookupd_messages.hpp"
#include "net/lookupd_link.hpp"

#include <caf/actor_registry.hpp>
#include <caf/actor_system.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

namespace nsq {

caf::actor start_lookupd(caf::actor_system& sys, boost::asio::io_context& ioc,
                         const settings& opts, std::shared_ptr<http_client> http) {
  lookupd_coordinator_config cfg;
  cfg.addresses = opts.lookupd_tcp_addresses;
  cfg.max_body_size = opts.max_body_size;
  cfg.http.connect_timeout = opts.http_client_connect_timeout;
  cfg.http.request_timeout = opts.http_client_request_timeout;
  cfg.client = std::move(http);
  cfg.transport = make_lookupd_link_factory(ioc);
  auto c = spawn_lookupd_coordinator(sys, std::move(cfg));
  sys.registry().put(lookupd_registry_key, caf::actor_cast<caf::strong_actor_ptr>(c));
  return c;
}

void tie_lookupd_to(const caf::actor& lookupd, const caf::actor& broker) {
  caf::anon_send(lookupd, lk_watch_atom::value, broker);
}

void announce_lookupd(const caf::actor& lookupd, const settings& opts,
                      const std::string& hostname, int tcp_port, int http_port) {
  auto broadcast = opts.broadcast_address.empty() ? hostname : opts.broadcast_address;
  int64_t tcp = opts.broadcast_tcp_port != 0 ? opts.broadcast_tcp_port : tcp_port;
  int64_t http = opts.broadcast_http_port != 0 ? opts.broadcast_http_port : http_port;
  caf::anon_send(lookupd, lk_start_atom::value, broadcast, hostname, http, tcp);
}

} // namespace nsq
