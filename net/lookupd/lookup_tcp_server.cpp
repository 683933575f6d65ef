#include "net/lookupd/lookup_tcp_server.hpp"

#include "actors/log.hpp"

namespace nsq {

lookup_tcp_server::lookup_tcp_server(boost::asio::io_context& ioc, caf::actor_system& sys,
                                     caf::actor registry)
    : sys_(sys), registry_(std::move(registry)), listener_(ioc) {}

std::string lookup_tcp_server::listen(const std::string& address) {
  return listener_.listen(address, "TCP",
                          "address " + address + ": missing port in address");
}

void lookup_tcp_server::start(std::shared_ptr<const lookup_identity> me) {
  me_ = std::move(me);
  listener_.start(
      [this](boost::asio::ip::tcp::socket sock) { on_accept(std::move(sock)); });
}

void lookup_tcp_server::on_accept(boost::asio::ip::tcp::socket sock) {
  auto conn = std::make_shared<lookup_tcp_connection>(std::move(sock));
  auto id = conn->peer_id();
  if (!live_.add(conn))
    return;
  log_info("TCP: new client(" + id + ")");
  auto session = spawn_lookup_session(sys_, conn, registry_, id, me_);
  conn->start(std::move(session));
}

void lookup_tcp_server::stop() {
  auto live = live_.stop();
  listener_.close();
  for (auto& c : live)
    c->abort();
}

} // namespace nsq
