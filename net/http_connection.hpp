#pragma once

#include "actors/http_api.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <caf/fwd.hpp>

#include <functional>
#include <memory>
#include <optional>

namespace nsq {

/// The TLS side of an HTTP listener (reference §10, §13.1).
struct http_security {
  /// Serve HTTPS with this context (null: plain HTTP).
  std::shared_ptr<boost::asio::ssl::context> tls;
  /// Plain HTTP with --tls-required=true: every request gets 403 TLS_REQUIRED.
  bool refuse_plain = false;
  int https_port = 0; ///< reported in the 403 body
};

/// One HTTP/1.1 client (keep-alive) on its own strand. Limits are enforced
/// before buffering: headers up to 1 MiB (Go's default, else 431), bodies up
/// to the route's limit (Content-Length checked first, else the parser's
/// body limit). Answers come back from the actors by asio::post.
class http_connection : public std::enable_shared_from_this<http_connection> {
public:
  using tcp = boost::asio::ip::tcp;

  static constexpr size_t header_limit = 1 << 20;

  http_connection(tcp::socket sock, caf::actor_system& sys,
                  std::shared_ptr<const http_context> ctx, const http_security& sec = {});

  ~http_connection();

  /// Runs `f` when the connection is destroyed (the server's registry
  /// forgets it then); set before start().
  void on_destroyed(std::function<void()> f) { on_destroyed_ = std::move(f); }

  /// Starts reading requests.
  void start();

  /// Closes the socket (thread-safe).
  void close();

private:
  void read_header();
  void on_header(boost::system::error_code ec);
  void read_body();
  void on_body(boost::system::error_code ec);
  void dispatch();
  /// Writes `r`; then reads the next request unless the connection closes.
  void write(http_response r);
  void shutdown();
  /// Calls `f` with the stream requests travel on (TLS or the bare socket).
  template <class F> void with_stream(F&& f) {
    if (tls_)
      f(*tls_);
    else
      f(sock_);
  }

  tcp::socket sock_;
  caf::actor_system& sys_;
  std::shared_ptr<const http_context> ctx_;
  http_security sec_;
  std::unique_ptr<boost::asio::ssl::stream<tcp::socket&>> tls_;
  boost::beast::flat_buffer buf_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>>
      parser_;
  std::optional<endpoint> target_;
  std::string param_;
  http_response too_big_;
  std::optional<http_response> early_; ///< a routing answer waiting for its body
  bool keep_alive_ = true;
  std::shared_ptr<boost::beast::http::response<boost::beast::http::string_body>> out_;
  std::function<void()> on_destroyed_;
};

} // namespace nsq
