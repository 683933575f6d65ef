#include "actors/auth_client.hpp"

#include "actors/log.hpp"
#include "protocol/auth.hpp"
#include "protocol/gunzip.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/sec.hpp>

#include <random>
#include <utility>

namespace nsq {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using ms = std::chrono::milliseconds;

/// Largest auth server answer we read (and decompress): nsqd reads any size;
/// a grant is a few KiB.
constexpr size_t max_response_size = 1 << 20;
constexpr uint32_t max_response_header_size = 64 * 1024;

/// Resolves `u`'s host within `timeout`; returns the failure text or "".
std::string resolve(asio::io_context& ioc, const http_url& u, ms timeout,
                    tcp::resolver::results_type& out) {
  tcp::resolver resolver(ioc);
  beast::error_code ec;
  bool done = false;
  resolver.async_resolve(u.host, u.port,
                         [&](beast::error_code e, tcp::resolver::results_type r) {
                           ec = e;
                           out = std::move(r);
                           done = true;
                         });
  ioc.restart();
  ioc.run_for(timeout);
  if (!done) {
    resolver.cancel();
    ioc.restart();
    ioc.run();
    return "resolving " + u.host + " timed out";
  }
  return ec ? "resolving " + u.host + ": " + ec.message() : "";
}

/// Runs every queued operation of `ioc` to completion.
void run_all(asio::io_context& ioc) {
  ioc.restart();
  ioc.run();
}

http::request<http::empty_body> make_request(const http_url& u) {
  http::request<http::empty_body> req{http::verb::get, u.target, 11};
  // The headers nsqd's Go client sends (reference §9.2, §17).
  req.set(http::field::host, u.host_header);
  req.set(http::field::user_agent, "Go-http-client/1.1");
  req.set(http::field::accept, "application/vnd.nsq; version=1.0");
  req.set(http::field::accept_encoding, "gzip");
  return req;
}

/// The body of a 200 answer, decompressed; or the failure text.
std::string read_body(http::response_parser<http::string_body>& parser,
                      std::string& body) {
  auto& res = parser.get();
  std::string raw = std::move(res.body());
  if (beast::iequals(res[http::field::content_encoding], "gzip")) {
    if (!gunzip(raw, max_response_size, body))
      return "invalid gzip response body";
  } else {
    body = std::move(raw);
  }
  if (res.result_int() != 200)
    return "got response " + std::to_string(res.result_int()) + " " +
           std::string(res.reason()) + " " + go_quote(body);
  return "";
}

/// Picks where the round of servers starts (nsqd: rand.Int() % n).
size_t random_start(size_t n) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return static_cast<size_t>(rng() % n);
}

/// One server: the GET, then nsqd's validation of the answer.
std::string query_one(const std::string& address, const auth_job& job,
                      std::string& body) {
  auto url = auth_url(address, job.query);
  std::string err = http_get(url, job.connect_timeout, job.request_timeout, body);
  if (!err.empty())
    return err;
  auto grant = decode_auth_response(body);
  return is_error(grant) ? error_of(grant).text : "";
}

/// nsqd's QueryAnyAuthd: each server once, from a random one on.
std::string query_any(const auth_job& job, std::string& body) {
  std::string err = "no auth server configured";
  size_t n = job.addresses.size();
  size_t start = n == 0 ? 0 : random_start(n);
  for (size_t i = 0; i < n; ++i) {
    const auto& address = job.addresses[(start + i) % n];
    err = query_one(address, job, body);
    if (err.empty())
      return err;
    log_warn("Error: failed auth against " + address + " " + err);
  }
  return err;
}

caf::behavior auth_query_actor(caf::event_based_actor* self, auth_job job) {
  return {
      [=](auth_query_atom) {
        auto rp = self->make_response_promise<std::string>();
        std::string body;
        std::string err;
        try {
          err = query_any(job, body);
        } catch (const std::exception& e) { // e.g. bad_alloc, thread resources
          err = e.what();
        }
        if (err.empty())
          rp.deliver(std::move(body));
        else
          rp.deliver(caf::make_error(caf::sec::runtime_error, std::move(err)));
        self->quit();
        return rp;
      },
  };
}

} // namespace

std::string http_get(const std::string& url, ms connect_timeout, ms request_timeout,
                     std::string& body) {
  http_url u;
  if (!parse_http_url(url, u))
    return "invalid auth URL " + go_quote(url);
  if (u.scheme != "http")
    return "unsupported auth URL scheme " + go_quote(u.scheme) + " (only http)";
  asio::io_context ioc;
  tcp::resolver::results_type endpoints;
  if (auto err = resolve(ioc, u, connect_timeout, endpoints); !err.empty())
    return err;
  beast::tcp_stream stream(ioc);
  beast::error_code ec;
  stream.expires_after(connect_timeout);
  stream.async_connect(endpoints,
                       [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
  run_all(ioc);
  if (ec)
    return "connecting to " + u.host_header + ": " + ec.message();
  auto req = make_request(u);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(max_response_size);
  parser.header_limit(max_response_header_size);
  stream.expires_after(request_timeout); // nsqd: the whole exchange
  http::async_write(stream, req, [&](beast::error_code e, size_t) {
    ec = e;
    if (!e)
      http::async_read(stream, buffer, parser,
                       [&](beast::error_code e2, size_t) { ec = e2; });
  });
  run_all(ioc);
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  if (ec)
    return "requesting " + url + ": " + ec.message();
  return read_body(parser, body);
}

caf::actor spawn_auth_query(caf::actor_system& sys, auth_job job) {
  return sys.spawn<caf::detached>(auth_query_actor, std::move(job));
}

} // namespace nsq
