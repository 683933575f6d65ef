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
#include <unordered_map>
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
  /// The live connections, keyed by a serial number: each connection's
  /// destructor removes its own entry, so accepting is O(1) however many
  /// connections came and went (shared with the connections, which may
  /// outlive the server at shutdown).
  struct registry {
    std::mutex mtx; ///< guards everything below
    std::unordered_map<uint64_t, std::weak_ptr<http_connection>> conns;
    uint64_t next_id = 0;
    bool stopped = false;
  };
  std::shared_ptr<registry> live_ = std::make_shared<registry>();
};

} // namespace nsq
