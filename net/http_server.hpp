#pragma once

#include "actors/http_api.hpp"
#include "net/http_connection.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <caf/fwd.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace nsq {

/// An HTTP listener (--http-address, or --https-address with TLS): one
/// http_connection per client, each on its own strand.
class http_server {
public:
  using tcp = boost::asio::ip::tcp;

  http_server(boost::asio::io_context& ioc, caf::actor_system& sys);

  /// Makes this the HTTPS listener, or a plain one that refuses with 403
  /// (call before listen(): the log line names the scheme).
  void set_security(http_security sec) {
    sec_ = std::move(sec);
    label_ = sec_.tls ? "HTTPS" : "HTTP";
  }

  /// Binds `address` (`host:port`, port 0 = any); "" on success, else the
  /// text for `listen (<addr>) failed - <text>`. Logs `HTTP: listening on`.
  std::string listen(const std::string& address);

  /// Returns the bound port.
  int port() const;

  /// Starts accepting, answering with `ctx` (which knows the bound ports).
  void start(std::shared_ptr<const http_context> ctx);

  /// Stops accepting and closes every connection. Thread-safe.
  void stop();

private:
  void do_accept();

  boost::asio::io_context& ioc_;
  caf::actor_system& sys_;
  tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_; ///< backs off after accept errors (EMFILE)
  std::shared_ptr<const http_context> ctx_;
  http_security sec_;
  const char* label_ = "HTTP";
  std::mutex mtx_; ///< guards conns_ and stopped_
  std::vector<std::weak_ptr<http_connection>> conns_;
  bool stopped_ = false;
};

} // namespace nsq
