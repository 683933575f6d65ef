#include "net/listener.hpp"

#include "actors/log.hpp"
#include "net/address.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>

#include <chrono>
#include <sstream>

namespace nsq {

namespace asio = boost::asio;

listener::listener(asio::io_context& ioc)
    : ioc_(ioc), acceptor_(asio::make_strand(ioc)),
      retry_timer_(acceptor_.get_executor()) {}

std::string listener::listen(const std::string& address, const char* label,
                             const std::string& not_host_port) {
  auto prefix = "listen tcp " + address + ": ";
  host_port hp;
  if (!parse_host_port(address, hp))
    return prefix + not_host_port;
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
  log_info(std::string(label) + ": listening on " + where.str());
  return {};
}

int listener::port() const {
  boost::system::error_code ec;
  auto ep = acceptor_.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

void listener::start(socket_handler on_socket) {
  on_socket_ = std::move(on_socket);
  asio::post(acceptor_.get_executor(), [this] { do_accept(); });
}

void listener::do_accept() {
  acceptor_.async_accept(
      asio::make_strand(ioc_), [this](boost::system::error_code ec, tcp::socket sock) {
        if (ec == asio::error::operation_aborted || !acceptor_.is_open())
          return;
        if (!ec) {
          on_socket_(std::move(sock));
          return do_accept();
        }
        // Out of descriptors or similar: retry a little later, not in a busy loop.
        retry_timer_.expires_after(std::chrono::milliseconds(50));
        retry_timer_.async_wait([this](boost::system::error_code wait_ec) {
          if (!wait_ec)
            do_accept();
        });
      });
}

void listener::close() {
  asio::post(acceptor_.get_executor(), [this] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    retry_timer_.cancel();
  });
}

} // namespace nsq
