#include "net/lookupd/lookup_http_server.hpp"

namespace nsq {

lookup_http_server::lookup_http_server(boost::asio::io_context& ioc,
                                       caf::actor_system& sys, caf::actor registry)
    : sys_(sys), registry_(std::move(registry)), listener_(ioc) {}

std::string lookup_http_server::listen(const std::string& address) {
  return listener_.listen(address, "HTTP",
                          "address " + address + ": missing port in address");
}

void lookup_http_server::start() {
  listener_.start([this](boost::asio::ip::tcp::socket sock) {
    auto conn =
        std::make_shared<lookup_http_connection>(std::move(sock), sys_, registry_);
    if (live_.add(conn))
      conn->start();
  });
}

void lookup_http_server::stop() {
  auto live = live_.stop();
  listener_.close();
  for (auto& c : live)
    c->close();
}

} // namespace nsq
