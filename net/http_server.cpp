#include "net/http_server.hpp"

#include "actors/log.hpp"
#include "net/address.hpp"
#include "net/http_connection.hpp"

#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <algorithm>
#include <chrono>
#include <sstream>

namespace nsq {

namespace asio = boost::asio;

http_server::http_server(asio::io_context& ioc, caf::actor_system& sys)
    : ioc_(ioc), sys_(sys), acceptor_(asio::make_strand(ioc)),
      retry_timer_(acceptor_.get_executor()) {}

std::string http_server::listen(const std::string& address) {
  auto prefix = "listen tcp " + address + ": ";
  host_port hp;
  if (!parse_host_port(address, hp))
    return prefix + "not a host:port address (unix sockets are not supported)";
  boost::system::error_code ec;
  tcp::endpoint ep{tcp::v4(), hp.port};
  if (!hp.host.empty()) {
    tcp::resolver res{ioc_};
    auto found = res.resolve(hp.host, std::to_string(hp.port), ec);
    if (ec || found.empty())
      return prefix + "lookup " + hp.host + ": no such host";
    ep = found.begin()->endpoint();
  }
  acceptor_.open(ep.protocol(), ec);
  if (!ec)
    acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec)
    acceptor_.bind(ep, ec);
  if (!ec)
    acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return prefix + "bind: " + ec.message();
  std::ostringstream where;
  where << acceptor_.local_endpoint(ec);
  log_info(std::string(label_) + ": listening on " + where.str());
  return {};
}

int http_server::port() const {
  boost::system::error_code ec;
  auto ep = acceptor_.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void http_server::start(std::shared_ptr<const http_context> ctx) {
  ctx_ = std::move(ctx);
  asio::post(acceptor_.get_executor(), [this] { do_accept(); });
}

void http_server::do_accept() {
  acceptor_.async_accept(asio::make_strand(ioc_), [this](boost::system::error_code ec,
                                                         tcp::socket sock) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open())
      return;
    if (!ec) {
      auto conn = std::make_shared<http_connection>(std::move(sock), sys_, ctx_, sec_);
      std::unique_lock<std::mutex> guard{live_->mtx};
      if (live_->stopped) {
        guard.unlock();
        return; // conn closes its socket as it goes
      }
      auto id = live_->next_id++;
      live_->conns.emplace(id, conn);
      conn->on_destroyed([reg = std::weak_ptr<registry>(live_), id] {
        if (auto r = reg.lock()) {
          std::lock_guard<std::mutex> g{r->mtx};
          r->conns.erase(id);
        }
      });
      guard.unlock();
      conn->start();
    }
    if (!ec)
      return do_accept();
    // Out of descriptors or similar: retry a little later, not in a busy loop.
    retry_timer_.expires_after(std::chrono::milliseconds(50));
    retry_timer_.async_wait([this](boost::system::error_code wait_ec) {
      if (!wait_ec)
        do_accept();
    });
  });
}

void http_server::stop() {
  std::vector<std::shared_ptr<http_connection>> live;
  {
    std::lock_guard<std::mutex> guard{live_->mtx};
    live_->stopped = true;
    for (auto& [id, w] : live_->conns)
      if (auto c = w.lock())
        live.push_back(c);
    live_->conns.clear();
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
