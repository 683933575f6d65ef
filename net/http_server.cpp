#include "net/http_server.hpp"

namespace nsq {

http_server::http_server(boost::asio::io_context& ioc, caf::actor_system& sys)
    : sys_(sys), listener_(ioc) {}

std::string http_server::listen(const std::string& address) {
  return listener_.listen(address, label_,
                          "not a host:port address (unix sockets are not supported)");
}

void http_server::start(std::shared_ptr<const http_context> ctx) {
  ctx_ = std::move(ctx);
  listener_.start([this](boost::asio::ip::tcp::socket sock) {
    auto conn = std::make_shared<http_connection>(std::move(sock), sys_, ctx_, sec_);
    if (live_.add(conn)) // else dropped: it closes its socket as it goes
      conn->start();
  });
}

void http_server::stop() {
  auto live = live_.stop();
  listener_.close();
  for (auto& c : live)
    c->close();
}

} // namespace nsq
