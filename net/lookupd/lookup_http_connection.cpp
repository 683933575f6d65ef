#include "net/lookupd/lookup_http_connection.hpp"

#include "actors/log.hpp"
#include "actors/lookupd/lookup_http_bridge.hpp"
#include "net/go_http_response.hpp"
#include "protocol/http_query.hpp"
#include "protocol/lookup_http.hpp"

#include <boost/asio/post.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

namespace nsq {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

lookup_http_connection::lookup_http_connection(tcp::socket sock, caf::actor_system& sys,
                                               caf::actor registry)
    : sock_(std::move(sock)), sys_(sys), registry_(std::move(registry)) {}

lookup_http_connection::~lookup_http_connection() {
  if (on_destroyed_)
    on_destroyed_();
}

void lookup_http_connection::start() {
  asio::post(sock_.get_executor(), [self = shared_from_this()] { self->read_request(); });
}

void lookup_http_connection::close() {
  asio::post(sock_.get_executor(), [self = shared_from_this()] { self->shutdown(); });
}

void lookup_http_connection::read_request() {
  parser_.emplace();
  parser_->header_limit(header_limit);
  parser_->body_limit(body_limit);
  http::async_read(sock_, buf_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, size_t) {
                     self->on_request(ec);
                   });
}

void lookup_http_connection::on_request(beast::error_code ec) {
  if (ec == http::error::header_limit)
    return write(go_plain_error(431, "Request Header Fields Too Large"));
  if (ec == http::error::body_limit)
    return write(go_plain_error(413, "Request Entity Too Large"));
  if (ec == http::error::end_of_stream || ec == asio::error::eof ||
      ec == http::error::partial_message || ec == asio::error::operation_aborted ||
      ec == asio::error::connection_reset)
    return shutdown();
  if (ec)
    return write(go_plain_error(400, "Bad Request"));
  auto& req = parser_->get();
  keep_alive_ = req.keep_alive();
  std::string path, query;
  split_target(std::string(req.target()), path, query);
  auto method = std::string(req.method_string());
  head_ = req.method() == http::verb::head;
  auto route = route_lookup_request(method, path, query);
  if (log_enabled(log_level::debug))
    log_debug(method + " " + std::string(req.target()));
  if (route.answer)
    return write(std::move(*route.answer));
  if (!lookup_needs_db(*route.target)) {
    lookup_db none;
    return write(serve_lookup_http(none, *route.target, query, 0, {}));
  }
  auto self = shared_from_this();
  ask_lookup_registry(sys_, registry_, *route.target, query, [self](http_response r) {
    asio::post(self->sock_.get_executor(),
               [self, r = std::move(r)]() mutable { self->write(std::move(r)); });
  });
}

void lookup_http_connection::write(http_response r) {
  if (!sock_.is_open())
    return;
  keep_alive_ = keep_alive_ && !r.close;
  out_ = make_go_response(std::move(r), keep_alive_, head_);
  auto& res = *out_;
  http::async_write(sock_, res,
                    [self = shared_from_this()](beast::error_code ec, size_t) {
                      self->out_.reset();
                      if (ec || !self->keep_alive_)
                        return self->shutdown();
                      self->read_request();
                    });
}

void lookup_http_connection::shutdown() {
  if (!sock_.is_open())
    return;
  beast::error_code ignored;
  sock_.shutdown(tcp::socket::shutdown_both, ignored);
  sock_.close(ignored);
}

} // namespace nsq
