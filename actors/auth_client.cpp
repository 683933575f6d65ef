#include "actors/auth_client.hpp"

#include "actors/log.hpp"
#include "protocol/auth.hpp"
#include "protocol/gunzip.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/sec.hpp>

#include <openssl/ssl.h>

#include <functional>
#include <list>
#include <mutex>
#include <random>
#include <utility>

namespace nsq {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using ms = std::chrono::milliseconds;
using response_parser = http::response_parser<http::string_body>;

/// Largest auth server answer we read (and decompress): nsqd reads any size;
/// a grant is a few KiB.
constexpr size_t max_response_size = 1 << 20;
constexpr uint32_t max_response_header_size = 64 * 1024;

/// The GETs in flight, so that shutdown can abort them (nsqd exits without
/// waiting for its outbound HTTP requests).
struct query_registry {
  std::mutex mtx;
  bool cancelled = false;
  std::list<std::function<void()>> cancellers;
};

query_registry& queries() {
  static query_registry r;
  return r;
}

/// Keeps a GET's canceller registered while the GET runs; `cancelled()` once
/// shutdown has begun (the GET then fails at once).
class cancel_scope {
public:
  /// `stream` must outlive the scope; closing its socket on `ioc`'s thread
  /// fails the pending operation.
  template <class Stream> cancel_scope(asio::io_context& ioc, Stream& stream) {
    auto& r = queries();
    std::lock_guard<std::mutex> guard{r.mtx};
    cancelled_ = r.cancelled;
    if (cancelled_)
      return;
    it_ = r.cancellers.insert(r.cancellers.end(), [&ioc, &stream] {
      asio::post(ioc, [&stream] {
        beast::error_code ignored;
        beast::get_lowest_layer(stream).socket().close(ignored);
      });
    });
  }
  cancel_scope(const cancel_scope&) = delete;
  cancel_scope& operator=(const cancel_scope&) = delete;
  ~cancel_scope() {
    if (cancelled_)
      return;
    auto& r = queries();
    std::lock_guard<std::mutex> guard{r.mtx};
    r.cancellers.erase(it_);
  }
  bool cancelled() const { return cancelled_; }
  /// Whether shutdown has begun by now (a close posted while the host was
  /// still being resolved hit a socket not yet open).
  static bool cancelled_now() {
    auto& r = queries();
    std::lock_guard<std::mutex> guard{r.mtx};
    return r.cancelled;
  }

private:
  bool cancelled_ = false;
  std::list<std::function<void()>>::iterator it_;
};

const std::string shutting_down = "nsqd is shutting down";

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

/// The answer's body, decompressed; or the failure text.
std::string read_body(response_parser& parser, std::string& body) {
  auto& res = parser.get();
  std::string raw = std::move(res.body());
  if (beast::iequals(res[http::field::content_encoding], "gzip")) {
    if (!gunzip(raw, max_response_size, body))
      return "invalid gzip response body";
  } else {
    body = std::move(raw);
  }
  return "";
}

/// Resolves and connects `stream` within the connect timeout.
std::string connect(asio::io_context& ioc, beast::tcp_stream& stream, const http_url& u,
                    ms timeout) {
  tcp::resolver::results_type endpoints;
  if (auto err = resolve(ioc, u, timeout, endpoints); !err.empty())
    return err;
  beast::error_code ec;
  stream.expires_after(timeout);
  stream.async_connect(endpoints,
                       [&](beast::error_code e, const tcp::endpoint&) { ec = e; });
  run_all(ioc);
  return ec ? "connecting to " + u.host_header + ": " + ec.message() : "";
}

/// Writes the GET and reads the answer into `parser` (the stream's timeout
/// is already running: nsqd bounds the whole exchange).
template <class Stream>
beast::error_code exchange(asio::io_context& ioc, Stream& stream, const http_url& u,
                           response_parser& parser) {
  auto req = make_request(u);
  beast::flat_buffer buffer;
  beast::error_code ec;
  http::async_write(stream, req, [&](beast::error_code e, size_t) {
    ec = e;
    if (!e)
      http::async_read(stream, buffer, parser,
                       [&](beast::error_code e2, size_t) { ec = e2; });
  });
  run_all(ioc);
  return ec;
}

std::string get_plain(const http_url& u, const http_client_options& o,
                      response_parser& parser) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  cancel_scope scope{ioc, stream};
  if (scope.cancelled())
    return shutting_down;
  if (auto err = connect(ioc, stream, u, o.connect_timeout); !err.empty())
    return err;
  if (cancel_scope::cancelled_now())
    return shutting_down;
  stream.expires_after(o.request_timeout);
  auto ec = exchange(ioc, stream, u, parser);
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  return ec ? "requesting " + u.host_header + u.target + ": " + ec.message() : "";
}

/// nsqd's client TLS config: --tls-root-ca-file as the only roots (the
/// system's without it), --tls-min-version, the server always verified.
std::string setup_client_tls(asio::ssl::context& ctx, const http_client_options& o) {
  beast::error_code ec;
  if (SSL_CTX_set_min_proto_version(ctx.native_handle(), o.tls_min_version) != 1)
    return "unsupported minimum TLS version";
  if (!o.root_ca_file.empty())
    ctx.load_verify_file(o.root_ca_file, ec);
  else
    ctx.set_default_verify_paths(ec);
  if (ec)
    return "loading root CAs " + go_quote(o.root_ca_file) + ": " + ec.message();
  ctx.set_verify_mode(asio::ssl::verify_peer);
  return "";
}

std::string get_tls(const http_url& u, const http_client_options& o,
                    response_parser& parser) {
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  if (auto err = setup_client_tls(ctx, o); !err.empty())
    return err;
  asio::io_context ioc;
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  cancel_scope scope{ioc, stream};
  if (scope.cancelled())
    return shutting_down;
  // The certificate must name the host (an IP SAN for an address); SNI only
  // for names, as Go.
  stream.set_verify_callback(asio::ssl::host_name_verification(u.host));
  beast::error_code not_ip;
  asio::ip::make_address(u.host, not_ip);
  if (not_ip && SSL_set_tlsext_host_name(stream.native_handle(), u.host.c_str()) != 1)
    return "invalid TLS server name " + go_quote(u.host);
  if (auto err = connect(ioc, beast::get_lowest_layer(stream), u, o.connect_timeout);
      !err.empty())
    return err;
  if (cancel_scope::cancelled_now())
    return shutting_down;
  beast::get_lowest_layer(stream).expires_after(o.request_timeout);
  beast::error_code ec;
  stream.async_handshake(asio::ssl::stream_base::client,
                         [&](beast::error_code e) { ec = e; });
  run_all(ioc);
  if (ec)
    return "TLS handshake with " + u.host_header + ": " + ec.message();
  ec = exchange(ioc, stream, u, parser);
  beast::error_code ignored;
  beast::get_lowest_layer(stream).socket().shutdown(tcp::socket::shutdown_both, ignored);
  return ec ? "requesting " + u.host_header + u.target + ": " + ec.message() : "";
}

/// One GET: the answer's status and decoded body, or the failure text.
std::string get_once(const http_url& u, const http_client_options& o, unsigned& status,
                     std::string& reason, std::string& body) {
  response_parser parser;
  parser.body_limit(max_response_size);
  parser.header_limit(max_response_header_size);
  auto err = u.scheme == "https" ? get_tls(u, o, parser) : get_plain(u, o, parser);
  if (!err.empty())
    return err;
  status = parser.get().result_int();
  reason = std::string(parser.get().reason());
  return read_body(parser, body);
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
  std::string err = http_get(url, job.http, body);
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

std::string http_get(const std::string& url, const http_client_options& opts,
                     std::string& body) {
  std::string next = url;
  for (;;) {
    http_url u;
    if (!parse_http_url(next, u))
      return "invalid auth URL " + go_quote(next);
    if (u.scheme != "http" && u.scheme != "https")
      return "unsupported protocol scheme " + go_quote(u.scheme);
    unsigned status = 0;
    std::string reason;
    if (auto err = get_once(u, opts, status, reason, body); !err.empty())
      return err;
    if (status == 200)
      return "";
    std::string failure =
        "got response " + std::to_string(status) + " " + reason + " " + go_quote(body);
    // nsqd's client follows an nsqd-style TLS_REQUIRED 403 to https (once:
    // the retry is https).
    if (status != 403 || u.scheme == "https")
      return failure;
    next = https_redirect(u, body);
    if (next.empty())
      return failure + " (no https_port to retry on)";
  }
}

void cancel_http_gets() {
  auto& r = queries();
  std::lock_guard<std::mutex> guard{r.mtx};
  r.cancelled = true;
  for (auto& cancel : r.cancellers)
    cancel();
}

caf::actor spawn_auth_query(caf::actor_system& sys, auth_job job) {
  return sys.spawn<caf::detached>(auth_query_actor, std::move(job));
}

} // namespace nsq
