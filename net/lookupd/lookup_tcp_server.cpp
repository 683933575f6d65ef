#include "net/lookupd/lookup_tcp_server.hpp"

#include "actors/log.hpp"
#include "net/lookupd/lookup_listen.hpp"
#include "net/lookupd/lookup_tcp_connection.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <algorithm>
#include <chrono>

namespace nsq {

namespace asio = boost::asio;

lookup_tcp_server::lookup_tcp_server(asio::io_context& ioc, caf::actor_system& sys,
                                     caf::actor registry)
    : ioc_(ioc), sys_(sys), registry_(std::move(registry)),
      acceptor_(asio::make_strand(ioc)), retry_timer_(acceptor_.get_executor()) {}

std::string lookup_tcp_server::listen(const std::string& address) {
  return lookup_listen(ioc_, acceptor_, address, "TCP");
}

int lookup_tcp_server::port() const {
  boost::system::error_code ec;
  auto ep = acceptor_.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void lookup_tcp_server::start(std::shared_ptr<const lookup_identity> me) {
  me_ = std::move(me);
  asio::post(acceptor_.get_executor(), [this] { do_accept(); });
}

void lookup_tcp_server::do_accept() {
  acceptor_.async_accept(
      asio::make_strand(ioc_), [this](boost::system::error_code ec, tcp::socket sock) {
        if (ec == asio::error::operation_aborted || !acceptor_.is_open())
          return;
        if (!ec) {
          on_accept(std::move(sock));
          return do_accept();
        }
        // Out of descriptors or similar: retry later, not in a busy loop.
        retry_timer_.expires_after(std::chrono::milliseconds(50));
        retry_timer_.async_wait([this](boost::system::error_code wait_ec) {
          if (!wait_ec)
            do_accept();
        });
      });
}

void lookup_tcp_server::on_accept(tcp::socket sock) {
  auto conn = std::make_shared<lookup_tcp_connection>(std::move(sock));
  auto id = conn->peer_id();
  {
    std::lock_guard<std::mutex> guard{mtx_};
    if (stopped_)
      return;
    conns_.erase(
        std::remove_if(conns_.begin(), conns_.end(), [](auto& w) { return w.expired(); }),
        conns_.end());
    conns_.push_back(conn);
  }
  log_info("TCP: new client(" + id + ")");
  auto session = spawn_lookup_session(sys_, conn, registry_, id, me_);
  conn->start(std::move(session));
}

void lookup_tcp_server::stop() {
  std::vector<std::shared_ptr<lookup_tcp_connection>> live;
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stopped_ = true;
    for (auto& w : conns_)
      if (auto c = w.lock())
        live.push_back(c);
    conns_.clear();
  }
  asio::post(acceptor_.get_executor(), [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    retry_timer_.cancel();
  });
  for (auto& c : live)
    c->abort();
}

} // namespace nsq
