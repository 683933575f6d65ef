#pragma once

#include "actors/http_client.hpp"
#include "protocol/settings.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace nsq {

class tcp_connection;

/// The TCP listener: accepts clients and gives each its own tcp_connection
/// (on its own strand). Keeps weak references to live connections so stop()
/// can close them all.
class tcp_server {
public:
  using tcp = boost::asio::ip::tcp;

  tcp_server(boost::asio::io_context& ioc, caf::actor_system& sys, caf::actor broker,
             std::shared_ptr<const settings> cfg);

  tcp_server(const tcp_server&) = delete;
  tcp_server& operator=(const tcp_server&) = delete;

  /// Binds `address` (`host:port`, port 0 = any) and listens. Returns an
  /// empty string on success, else Go-like text for nsqd's
  /// `listen (<addr>) failed - <text>`. Call before the io_context runs.
  std::string listen(const std::string& address);

  /// Returns the bound endpoint (after a successful listen()).
  tcp::endpoint local_endpoint() const;

  /// Sets the TLS context offered to IDENTIFY tls_v1 (before start()).
  void set_tls(std::shared_ptr<boost::asio::ssl::context> tls) { tls_ = std::move(tls); }

  /// Sets the HTTP client sessions send AUTH queries with (before start()).
  void set_http_client(std::shared_ptr<http_client> http) { http_ = std::move(http); }

  /// Starts the accept loop.
  void start();

  /// Stops accepting and closes every live connection (flush, then close).
  /// Thread-safe.
  void stop();

  /// Closes every live connection at once. Thread-safe.
  void abort_all();

private:
  void do_accept();
  void on_accept(const boost::system::error_code& ec, tcp::socket sock);
  /// Registers `conn`; returns false when the server is already stopped.
  bool add(const std::shared_ptr<tcp_connection>& conn);
  std::vector<std::shared_ptr<tcp_connection>> live();

  boost::asio::io_context& ioc_;
  caf::actor_system& sys_;
  caf::actor broker_;
  std::shared_ptr<const settings> cfg_;
  std::shared_ptr<boost::asio::ssl::context> tls_;
  std::shared_ptr<http_client> http_;
  tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_; ///< backs off after accept errors (e.g. EMFILE)

  std::mutex mtx_; ///< guards conns_ and stopped_ (net bookkeeping only)
  std::vector<std::weak_ptr<tcp_connection>> conns_;
  size_t prune_at_ = 64; ///< registry size that triggers forgetting closed ones
  bool stopped_ = false;
};

} // namespace nsq
