#include "net/http_connection.hpp"

#include "net/go_http_response.hpp"
#include "protocol/http_query.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <limits>

namespace nsq {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

/// nsqd's answer on plain HTTP when TLS is required (§10; note the spaces).
http_response tls_required_answer(int https_port) {
  http_response r;
  r.status = 403;
  r.content_type = "application/json; charset=utf-8";
  r.body =
      "{\"message\": \"TLS_REQUIRED\", \"https_port\": " + std::to_string(https_port) +
      "}";
  return r;
}

http_connection::http_connection(tcp::socket sock, caf::actor_system& sys,
                                 std::shared_ptr<const http_context> ctx,
                                 const http_security& sec)
    : sock_(std::move(sock)), sys_(sys), ctx_(std::move(ctx)), sec_(sec) {
  if (sec_.tls)
    tls_ = std::make_unique<asio::ssl::stream<tcp::socket&>>(sock_, *sec_.tls);
}

http_connection::~http_connection() {
  if (on_destroyed_)
    on_destroyed_();
}

void http_connection::start() {
  asio::post(sock_.get_executor(), [self = shared_from_this()] {
    if (!self->tls_)
      return self->read_header();
    self->tls_->async_handshake(asio::ssl::stream_base::server,
                                [self](beast::error_code ec) {
                                  if (ec)
                                    return self->shutdown();
                                  self->read_header();
                                });
  });
}

void http_connection::close() {
  asio::post(sock_.get_executor(), [self = shared_from_this()] { self->shutdown(); });
}

void http_connection::read_header() {
  parser_.emplace();
  parser_->header_limit(header_limit);
  // No limit while reading the header: the route's limit is set after it,
  // and Content-Length is checked against that limit first.
  parser_->body_limit(std::numeric_limits<std::uint64_t>::max());
  auto done = [self = shared_from_this()](beast::error_code ec, size_t) {
    self->on_header(ec);
  };
  with_stream(
      [&](auto& stream) { http::async_read_header(stream, buf_, *parser_, done); });
}

void http_connection::on_header(beast::error_code ec) {
  if (ec == http::error::header_limit)
    return write(go_plain_error(431, "Request Header Fields Too Large"));
  if (ec == http::error::end_of_stream || ec == asio::error::eof ||
      ec == asio::ssl::error::stream_truncated || ec == asio::error::operation_aborted ||
      ec == asio::error::connection_reset)
    return shutdown();
  if (ec)
    return write(go_plain_error(400, "Bad Request"));
  auto& req = parser_->get();
  keep_alive_ = req.keep_alive();
  std::string path, query;
  split_target(std::string(req.target()), path, query);
  auto method = std::string(req.method_string());
  auto r = route_request(method, path, query);
  if (sec_.refuse_plain)
    r.answer = tls_required_answer(sec_.https_port);
  target_ = r.target;
  param_ = r.param;
  auto limit = body_limit_of(target_, *ctx_->cfg);
  if (r.answer && parser_->is_done())
    return write(std::move(*r.answer));
  // A routing answer (404, 405, redirect) waits for its body to be read, so
  // the connection stays usable; a body over the limit closes it instead.
  early_ = std::move(r.answer);
  too_big_ = early_ ? *early_ : limit.too_big;
  too_big_.close = true;
  if (auto len = parser_->content_length();
      len && *len > static_cast<uint64_t>(limit.max))
    return write(too_big_);
  parser_->body_limit(static_cast<uint64_t>(limit.max));
  if (beast::iequals(req[http::field::expect], "100-continue")) {
    // curl waits for this before a large body (Go's server sends it too).
    static const std::string go_ahead = "HTTP/1.1 100 Continue\r\n\r\n";
    auto done = [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec)
        return self->shutdown();
      self->read_body();
    };
    return with_stream(
        [&](auto& stream) { asio::async_write(stream, asio::buffer(go_ahead), done); });
  }
  read_body();
}

void http_connection::read_body() {
  auto done = [self = shared_from_this()](beast::error_code ec, size_t) {
    self->on_body(ec);
  };
  with_stream([&](auto& stream) { http::async_read(stream, buf_, *parser_, done); });
}

void http_connection::on_body(beast::error_code ec) {
  if (ec == http::error::body_limit)
    return write(too_big_); // the rest of the body is never read
  if (ec == asio::error::eof || ec == http::error::partial_message ||
      ec == asio::ssl::error::stream_truncated || ec == asio::error::connection_reset)
    return shutdown();
  if (ec)
    return write(go_plain_error(400, "Bad Request"));
  if (early_)
    return write(std::move(*early_));
  dispatch();
}

void http_connection::dispatch() {
  auto& req = parser_->get();
  http_call call;
  call.target = *target_;
  call.method = std::string(req.method_string());
  call.param = param_;
  std::string path;
  split_target(std::string(req.target()), path, call.query);
  call.body = std::move(req.body());
  auto self = shared_from_this();
  handle_http(sys_, ctx_, std::move(call), [self](http_response r) {
    asio::post(self->sock_.get_executor(),
               [self, r = std::move(r)]() mutable { self->write(std::move(r)); });
  });
}

void http_connection::write(http_response r) {
  if (!sock_.is_open())
    return;
  keep_alive_ = keep_alive_ && !r.close;
  out_ = make_go_response(std::move(r), keep_alive_);
  auto& res = *out_;
  auto done = [self = shared_from_this()](beast::error_code ec, size_t) {
    self->out_.reset();
    if (ec || !self->keep_alive_)
      return self->shutdown();
    self->read_header();
  };
  with_stream([&](auto& stream) { http::async_write(stream, res, done); });
}

void http_connection::shutdown() {
  if (!sock_.is_open())
    return;
  beast::error_code ignored;
  sock_.shutdown(tcp::socket::shutdown_both, ignored);
  sock_.close(ignored);
}

} // namespace nsq
