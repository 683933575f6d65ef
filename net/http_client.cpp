#include "net/http_client.hpp"

#include "protocol/auth.hpp"
#include "protocol/auth_request.hpp"
#include "protocol/gunzip.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <openssl/ssl.h>

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

namespace nsq {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using error_code = beast::error_code;
using response_parser = http::response_parser<http::string_body>;
using strand_type = asio::strand<asio::io_context::executor_type>;

/// Largest answer we read (and decompress): nsqd reads any size; an auth
/// grant or a `/channels` answer is a few KiB.
constexpr size_t max_response_size = 1 << 20;
constexpr uint32_t max_response_header_size = 64 * 1024;

/// nsqd's client TLS config: --tls-root-ca-file as the only roots (the
/// system's without it), --tls-min-version, the server always verified.
std::string setup_client_tls(asio::ssl::context& ctx, const http_client_options& o) {
  error_code ec;
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

/// The client TLS contexts, one per (roots, minimum version): loading the
/// system's roots costs milliseconds of the io thread, so it happens once,
/// as nsqd builds its HTTP client once.
class tls_contexts {
public:
  std::shared_ptr<asio::ssl::context> get(const http_client_options& o,
                                          std::string& err) {
    std::lock_guard<std::mutex> guard{mtx_};
    auto key = std::make_pair(o.root_ca_file, o.tls_min_version);
    if (auto it = made_.find(key); it != made_.end())
      return it->second;
    auto ctx = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
    if (err = setup_client_tls(*ctx, o); !err.empty())
      return nullptr;
    made_.emplace(key, ctx);
    return ctx;
  }

private:
  std::mutex mtx_;
  std::map<std::pair<std::string, int>, std::shared_ptr<asio::ssl::context>> made_;
};

/// Recent name lookups (10 s). Asio resolves on one background thread per
/// io_context, one lookup at a time: without this, a slow DNS server would
/// queue every AUTH query behind the others' lookups of the same name.
class resolve_cache {
public:
  static constexpr auto ttl = std::chrono::seconds(10);
  static constexpr size_t max_entries = 256;

  bool find(const std::string& key, tcp::resolver::results_type& out) {
    std::lock_guard<std::mutex> guard{mtx_};
    auto it = known_.find(key);
    if (it == known_.end() || std::chrono::steady_clock::now() >= it->second.expires)
      return false;
    out = it->second.results;
    return true;
  }

  void put(const std::string& key, const tcp::resolver::results_type& r) {
    std::lock_guard<std::mutex> guard{mtx_};
    if (known_.size() >= max_entries)
      known_.clear();
    known_[key] = {r, std::chrono::steady_clock::now() + ttl};
  }

private:
  struct entry {
    tcp::resolver::results_type results;
    std::chrono::steady_clock::time_point expires;
  };
  std::mutex mtx_;
  std::map<std::string, entry> known_;
};

class get_op;

const std::string shutting_down = "nsqd is shutting down";

/// What every GET of one client shares.
struct shared_parts {
  tls_contexts tls;
  resolve_cache names;
  /// The GETs in flight, so that cancel_all() can fail them.
  std::mutex mtx;
  bool cancelled = false;
  uint64_t next_id = 0;
  std::map<uint64_t, std::weak_ptr<get_op>> live;
};

/// One GET (and its https retry after a 403): resolve, connect, [TLS
/// handshake], write, read, each step a completion handler on the strand.
class get_op : public std::enable_shared_from_this<get_op> {
public:
  get_op(asio::io_context& ioc, std::shared_ptr<shared_parts> shared,
         http_client_options opts, http_get_handler done)
      : strand_(asio::make_strand(ioc)), resolver_(strand_), resolve_timer_(strand_),
        shared_(std::move(shared)), opts_(std::move(opts)), done_(std::move(done)) {}

  void start(std::string url) {
    bool cancelled;
    {
      std::lock_guard<std::mutex> guard{shared_->mtx};
      cancelled = shared_->cancelled;
      if (!cancelled) {
        id_ = shared_->next_id++;
        shared_->live.emplace(id_, weak_from_this());
      }
    }
    if (cancelled)
      return abort();
    asio::post(strand_,
               [self = shared_from_this(), url = std::move(url)] { self->begin(url); });
  }

  /// Fails the GET now (shutdown); thread-safe.
  void abort() {
    asio::post(strand_, [self = shared_from_this()] {
      self->resolver_.cancel();
      self->finish(shutting_down);
    });
  }

private:
  void begin(const std::string& url) {
    if (finished_)
      return;
    if (!parse_http_url(url, u_))
      return finish("invalid URL " + go_quote(url));
    if (u_.scheme != "http" && u_.scheme != "https")
      return finish("unsupported protocol scheme " + go_quote(u_.scheme));
    plain_.reset();
    tls_.reset();
    parser_.emplace();
    parser_->body_limit(max_response_size);
    parser_->header_limit(max_response_header_size);
    buffer_.clear();
    if (u_.scheme == "https") {
      std::string err;
      tls_ctx_ = shared_->tls.get(opts_, err);
      if (!tls_ctx_)
        return finish(err);
      tls_.emplace(strand_, *tls_ctx_);
      // The certificate must name the host (an IP SAN for an address); SNI
      // only for names, as Go.
      tls_->set_verify_callback(asio::ssl::host_name_verification(u_.host));
      error_code not_ip;
      asio::ip::make_address(u_.host, not_ip);
      if (not_ip && SSL_set_tlsext_host_name(tls_->native_handle(), u_.host.c_str()) != 1)
        return finish("invalid TLS server name " + go_quote(u_.host));
    } else {
      plain_.emplace(strand_);
    }
    resolve();
  }

  beast::tcp_stream& lowest() { return tls_ ? beast::get_lowest_layer(*tls_) : *plain_; }

  void resolve() {
    auto key = u_.host + "\n" + u_.port;
    tcp::resolver::results_type known;
    if (shared_->names.find(key, known))
      return connect(known);
    resolved_ = false;
    resolve_timer_.expires_after(opts_.connect_timeout);
    resolve_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
      if (!ec && !self->resolved_) {
        self->resolve_timed_out_ = true;
        self->resolver_.cancel();
      }
    });
    resolve_timed_out_ = false;
    resolver_.async_resolve(
        u_.host, u_.port,
        [self = shared_from_this()](const error_code& ec, tcp::resolver::results_type r) {
          self->resolved_ = true;
          self->resolve_timer_.cancel();
          if (self->resolve_timed_out_)
            return self->finish("resolving " + self->u_.host + " timed out");
          if (ec)
            return self->finish("resolving " + self->u_.host + ": " + ec.message());
          self->shared_->names.put(self->u_.host + "\n" + self->u_.port, r);
          self->connect(r);
        });
  }

  void connect(const tcp::resolver::results_type& endpoints) {
    if (finished_)
      return;
    lowest().expires_after(opts_.connect_timeout);
    lowest().async_connect(endpoints, [self = shared_from_this()](const error_code& ec,
                                                                  const tcp::endpoint&) {
      if (ec)
        return self->finish("connecting to " + self->u_.host_header + ": " +
                            ec.message());
      // nsqd bounds the whole exchange (handshake, write, read) together.
      self->lowest().expires_after(self->opts_.request_timeout);
      if (self->tls_)
        self->handshake();
      else
        self->write(*self->plain_);
    });
  }

  void handshake() {
    if (finished_)
      return;
    tls_->async_handshake(asio::ssl::stream_base::client, [self = shared_from_this()](
                                                              const error_code& ec) {
      if (ec)
        return self->finish("TLS handshake with " + self->u_.host_header + ": " +
                            ec.message());
      self->write(*self->tls_);
    });
  }

  template <class Stream> void write(Stream& stream) {
    if (finished_)
      return;
    req_ = {http::verb::get, u_.target, 11};
    // The headers nsqd's Go client sends (reference §9.2, §17).
    req_.set(http::field::host, u_.host_header);
    req_.set(http::field::user_agent, "Go-http-client/1.1");
    req_.set(http::field::accept, "application/vnd.nsq; version=1.0");
    req_.set(http::field::accept_encoding, "gzip");
    http::async_write(stream, req_,
                      [self = shared_from_this(), &stream](const error_code& ec, size_t) {
                        if (ec)
                          return self->request_failed(ec);
                        http::async_read(stream, self->buffer_, *self->parser_,
                                         [self](const error_code& ec2, size_t) {
                                           if (ec2)
                                             return self->request_failed(ec2);
                                           self->answered();
                                         });
                      });
  }

  void request_failed(const error_code& ec) {
    finish("requesting " + u_.host_header + u_.target + ": " + ec.message());
  }

  void answered() {
    auto& res = parser_->get();
    unsigned status = res.result_int();
    std::string reason(res.reason());
    std::string raw = std::move(res.body());
    std::string body;
    if (beast::iequals(res[http::field::content_encoding], "gzip")) {
      if (!gunzip(raw, max_response_size, body))
        return finish("invalid gzip response body");
    } else {
      body = std::move(raw);
    }
    if (status == 200)
      return finish("", std::move(body));
    std::string failure =
        "got response " + std::to_string(status) + " " + reason + " " + go_quote(body);
    // nsqd's client follows an nsqd-style TLS_REQUIRED 403 to https (once:
    // the retry is https).
    if (status != 403 || u_.scheme == "https")
      return finish(failure);
    auto next = https_redirect(u_, body);
    if (next.empty())
      return finish(failure + " (no https_port to retry on)");
    close_stream();
    begin(next);
  }

  void close_stream() {
    error_code ignored;
    if (plain_ || tls_) {
      lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
      lowest().close();
    }
  }

  void finish(std::string error, std::string body = {}) {
    if (finished_)
      return;
    finished_ = true;
    resolve_timer_.cancel();
    close_stream();
    {
      std::lock_guard<std::mutex> guard{shared_->mtx};
      shared_->live.erase(id_);
    }
    if (auto done = std::move(done_)) {
      done_ = nullptr;
      done(std::move(error), std::move(body));
    }
  }

  strand_type strand_;
  tcp::resolver resolver_;
  asio::steady_timer resolve_timer_;
  std::shared_ptr<shared_parts> shared_;
  http_client_options opts_;
  http_get_handler done_;
  http_url u_;
  std::shared_ptr<asio::ssl::context> tls_ctx_;
  std::optional<beast::tcp_stream> plain_;
  std::optional<beast::ssl_stream<beast::tcp_stream>> tls_;
  std::optional<response_parser> parser_;
  http::request<http::empty_body> req_;
  beast::flat_buffer buffer_;
  uint64_t id_ = UINT64_MAX; ///< in shared_->live (unset: never registered)
  bool finished_ = false;    ///< answered: later completions only clean up
  bool resolved_ = false;
  bool resolve_timed_out_ = false;
};

class asio_http_client : public http_client {
public:
  explicit asio_http_client(asio::io_context& ioc) : ioc_(ioc) {}

  void get(std::string url, http_client_options opts, http_get_handler done) override {
    auto op = std::make_shared<get_op>(ioc_, shared_, std::move(opts), std::move(done));
    op->start(std::move(url));
  }

  void cancel_all() override {
    std::vector<std::shared_ptr<get_op>> ops;
    {
      std::lock_guard<std::mutex> guard{shared_->mtx};
      shared_->cancelled = true;
      for (auto& [id, w] : shared_->live)
        if (auto op = w.lock())
          ops.push_back(std::move(op));
    }
    for (auto& op : ops)
      op->abort();
  }

private:
  asio::io_context& ioc_;
  std::shared_ptr<shared_parts> shared_ = std::make_shared<shared_parts>();
};

} // namespace

std::shared_ptr<http_client> make_asio_http_client(asio::io_context& ioc) {
  return std::make_shared<asio_http_client>(ioc);
}

} // namespace nsq
