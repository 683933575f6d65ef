#pragma once

#include "actors/http_api.hpp"
#include "net/http_connection.hpp"
#include "net/listener.hpp"
#include "net/live_connections.hpp"

#include <boost/asio/io_context.hpp>

#include <caf/fwd.hpp>

#include <memory>
#include <string>
#include <utility>

namespace nsq {

/// An HTTP listener (--http-address, or --https-address with TLS): one
/// http_connection per client, each on its own strand.
class http_server {
public:
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
  int port() const { return listener_.port(); }

  /// Starts accepting, answering with `ctx` (which knows the bound ports).
  void start(std::shared_ptr<const http_context> ctx);

  /// Stops accepting and closes every connection. Thread-safe.
  void stop();

private:
  caf::actor_system& sys_;
  listener listener_;
  std::shared_ptr<const http_context> ctx_;
  http_security sec_;
  const char* label_ = "HTTP";
  live_connections<http_connection> live_;
};

} // namespace nsq
