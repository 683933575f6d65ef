#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <string>

namespace nsq {

/// A listening socket shared by the HTTP and lookupd listeners: hands each
/// accepted socket (on a strand of its own) to a handler, and backs off after
/// accept errors (out of descriptors) instead of spinning.
class listener {
public:
  using tcp = boost::asio::ip::tcp;
  using socket_handler = std::function<void(tcp::socket)>;

  explicit listener(boost::asio::io_context& ioc);

  /// Binds `address` (`host:port`, port 0 = any); "" on success, else the
  /// text for `listen (<addr>) failed - <text>`; `not_host_port` follows
  /// `listen tcp <addr>: ` when the address has no port. Logs
  /// `<label>: listening on <endpoint>`.
  std::string listen(const std::string& address, const char* label,
                     const std::string& not_host_port);

  /// Returns the bound port, 0 if none.
  int port() const;

  /// Starts accepting; `on_socket` runs on the listener's strand.
  void start(socket_handler on_socket);

  /// Stops accepting (thread-safe).
  void close();

private:
  void do_accept();

  boost::asio::io_context& ioc_;
  tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
  socket_handler on_socket_;
};

} // namespace nsq
