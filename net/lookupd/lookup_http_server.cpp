#include "net/lookupd/lookup_http_server.hpp"

#include "net/lookupd/lookup_http_connection.hpp"
#include "net/lookupd/lookup_listen.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <algorithm>
#include <chrono>

namespace nsq {

namespace asio = boost::asio;

lookup_http_server::lookup_http_server(asio::io_context& ioc, caf::actor_system& sys,
                                       caf::actor registry)
    : ioc_(ioc), sys_(sys), registry_(std::move(registry)),
      acceptor_(asio::make_strand(ioc)), retry_timer_(acceptor_.get_executor()) {}

std::string lookup_http_server::listen(const std::string& address) {
  return lookup_listen(ioc_, acceptor_, address, "HTTP");
}

int lookup_http_server::port() const {
  boost::system::error_code ec;
  auto ep = acceptor_.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void lookup_http_server::start() {
  asio::post(acceptor_.get_executor(), [this] { do_accept(); });
}

void lookup_http_server::do_accept() {
  acceptor_.async_accept(
      asio::make_strand(ioc_), [this](boost::system::error_code ec, tcp::socket sock) {
        if (ec == asio::error::operation_aborted || !acceptor_.is_open())
          return;
        if (!ec) {
          auto conn =
              std::make_shared<lookup_http_connection>(std::move(sock), sys_, registry_);
          {
            std::lock_guard<std::mutex> guard{mtx_};
            if (stopped_)
              return;
            conns_.erase(std::remove_if(conns_.begin(), conns_.end(),
                                        [](auto& w) { return w.expired(); }),
                         conns_.end());
            conns_.push_back(conn);
          }
          conn->start();
          return do_accept();
        }
        retry_timer_.expires_after(std::chrono::milliseconds(50));
        retry_timer_.async_wait([this](boost::system::error_code wait_ec) {
          if (!wait_ec)
            do_accept();
        });
      });
}

void lookup_http_server::stop() {
  std::vector<std::shared_ptr<lookup_http_connection>> live;
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
    c->close();
}

} // namespace nsq
