#pragma once

// One HTTP/1.1 client of nsqlookupd (keep-alive) on its own strand: routes
// each request, answers /ping and /info itself and asks the registry for
// the rest. Headers and bodies are bounded (bodies are read and ignored:
// nsqlookupd takes parameters from the query string only).

#include "protocol/http_response.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <functional>
#include <memory>
#include <optional>

namespace nsq {

class lookup_http_connection
    : public std::enable_shared_from_this<lookup_http_connection> {
public:
  using tcp = boost::asio::ip::tcp;

  static constexpr size_t header_limit = 1 << 20;
  static constexpr size_t body_limit = 1 << 20;

  lookup_http_connection(tcp::socket sock, caf::actor_system& sys, caf::actor registry);
  ~lookup_http_connection();

  /// Runs `f` when the connection is destroyed (its listener forgets it
  /// then); set before start().
  void on_destroyed(std::function<void()> f) { on_destroyed_ = std::move(f); }

  void start();
  /// Closes the socket (thread-safe).
  void close();

private:
  void read_request();
  void on_request(boost::system::error_code ec);
  void write(http_response r);
  void shutdown();

  tcp::socket sock_;
  caf::actor_system& sys_;
  caf::actor registry_;
  boost::beast::flat_buffer buf_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>>
      parser_;
  bool keep_alive_ = true;
  bool head_ = false; ///< the request was HEAD: no body in the answer
  std::shared_ptr<boost::beast::http::response<boost::beast::http::string_body>> out_;
  std::function<void()> on_destroyed_;
};

} // namespace nsq
