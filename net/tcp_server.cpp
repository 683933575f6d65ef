#include "net/tcp_server.hpp"

#include "actors/log.hpp"
#include "net/address.hpp"
#include "net/go_error.hpp"
#include "net/tcp_connection.hpp"

#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <sstream>
#include <utility>

namespace nsq {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

/// Resolves the host part of a listen address to one endpoint. An empty host
/// means every interface (dual-stack when IPv6 is available, as Go does).
bool resolve(asio::io_context& ioc, const host_port& hp, asio::ip::tcp::endpoint& out,
             std::string& err) {
  using asio::ip::tcp;
  if (hp.host.empty()) {
    out = tcp::endpoint(tcp::v6(), hp.port);
    return true;
  }
  error_code ec;
  auto addr = asio::ip::make_address(hp.host, ec);
  if (!ec) {
    out = tcp::endpoint(addr, hp.port);
    return true;
  }
  tcp::resolver resolver(ioc);
  auto results = resolver.resolve(hp.host, std::to_string(hp.port), ec);
  if (ec || results.empty()) {
    err = "lookup " + hp.host + ": " + (ec ? go_error(ec) : std::string("no such host"));
    return false;
  }
  out = results.begin()->endpoint();
  for (auto& r : results) // prefer IPv4 like Go's listener does for names
    if (r.endpoint().address().is_v4()) {
      out = r.endpoint();
      break;
    }
  return true;
}

} // namespace

tcp_server::tcp_server(asio::io_context& ioc, caf::actor_system& sys, caf::actor broker,
                       std::shared_ptr<const settings> cfg)
    : ioc_(ioc), sys_(sys), broker_(std::move(broker)), cfg_(std::move(cfg)),
      acceptor_(asio::make_strand(ioc)), retry_timer_(acceptor_.get_executor()) {}

std::string tcp_server::listen(const std::string& address) {
  auto prefix = "listen tcp " + address + ": ";
  host_port hp;
  if (!parse_host_port(address, hp))
    return prefix + "not a host:port address (unix sockets are not supported)";
  tcp::endpoint ep;
  std::string err;
  if (!resolve(ioc_, hp, ep, err))
    return prefix + err;
  error_code ec;
  acceptor_.open(ep.protocol(), ec);
  if (ec && hp.host.empty()) { // no IPv6 on this host: all IPv4 interfaces
    ep = tcp::endpoint(tcp::v4(), hp.port);
    acceptor_.open(ep.protocol(), ec);
  }
  if (ec)
    return prefix + "socket: " + go_error(ec);
  if (ep.address().is_v6() && ep.address().is_unspecified()) {
    acceptor_.set_option(asio::ip::v6_only(false), ec);
    if (ec)
      return prefix + "setsockopt: " + go_error(ec);
  }
  acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (ec)
    return prefix + "setsockopt: " + go_error(ec);
  acceptor_.bind(ep, ec);
  if (ec)
    return prefix + "bind: " + go_error(ec);
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return prefix + "listen: " + go_error(ec);
  std::ostringstream where;
  where << local_endpoint();
  log_info("TCP: listening on " + where.str());
  return {};
}

tcp_server::tcp::endpoint tcp_server::local_endpoint() const {
  error_code ec;
  auto ep = acceptor_.local_endpoint(ec);
  return ec ? tcp::endpoint{} : ep;
}

void tcp_server::start() {
  asio::post(acceptor_.get_executor(), [this] { do_accept(); });
}

void tcp_server::do_accept() {
  if (!acceptor_.is_open())
    return;
  // Each connection gets its own strand: its handlers never run concurrently.
  acceptor_.async_accept(
      asio::make_strand(ioc_),
      [this](const error_code& ec, tcp::socket sock) { on_accept(ec, std::move(sock)); });
}

void tcp_server::on_accept(const error_code& ec, tcp::socket sock) {
  if (ec == asio::error::operation_aborted || !acceptor_.is_open())
    return; // stopped
  if (ec) {
    // E.g. out of file descriptors: retry shortly instead of spinning.
    log_error("TCP: accept failed - " + go_error(ec));
    retry_timer_.expires_after(std::chrono::milliseconds(100));
    retry_timer_.async_wait([this](const error_code& timer_ec) {
      if (!timer_ec)
        do_accept();
    });
    return;
  }
  auto conn =
      std::make_shared<tcp_connection>(std::move(sock), sys_, broker_, cfg_, tls_);
  conn->set_http_client(http_);
  if (add(conn)) {
    log_info("TCP: new client(" + conn->remote() + ")");
    conn->start();
  } else {
    conn->abort();
  }
  do_accept();
}

bool tcp_server::add(const std::shared_ptr<tcp_connection>& conn) {
  std::lock_guard<std::mutex> guard{mtx_};
  if (stopped_)
    return false;
  // Forget closed connections now and then, so the registry stays small.
  if (conns_.size() >= prune_at_) {
    std::vector<std::weak_ptr<tcp_connection>> alive;
    for (auto& w : conns_)
      if (!w.expired())
        alive.push_back(std::move(w));
    conns_.swap(alive);
    prune_at_ = std::max<size_t>(64, 2 * conns_.size()); // amortised O(1) per add
  }
  conns_.emplace_back(conn);
  return true;
}

std::vector<std::shared_ptr<tcp_connection>> tcp_server::live() {
  std::vector<std::shared_ptr<tcp_connection>> result;
  std::lock_guard<std::mutex> guard{mtx_};
  for (auto& w : conns_)
    if (auto c = w.lock())
      result.push_back(std::move(c));
  return result;
}

void tcp_server::stop() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stopped_ = true;
  }
  asio::post(acceptor_.get_executor(), [this] {
    std::ostringstream where;
    where << local_endpoint();
    log_info("TCP: closing " + where.str());
    error_code ec;
    retry_timer_.cancel();
    acceptor_.close(ec);
    if (ec)
      log_error("TCP: closing the listener failed - " + go_error(ec));
  });
  for (auto& c : live())
    c->close();
}

void tcp_server::abort_all() {
  for (auto& c : live())
    c->abort();
}

} // namespace nsq
