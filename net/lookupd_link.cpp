#include "net/lookupd_link.hpp"

#include "actors/lookupd_messages.hpp"
#include "net/address.hpp"
#include "net/go_error.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/write.hpp>

#include <caf/actor_cast.hpp>
#include <caf/send.hpp>

#include <array>
#include <chrono>
#include <string>
#include <string_view>
#include <utility>

namespace nsq {

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using error_code = boost::system::error_code;

/// nsqd's lookupPeer deadline for the dial and for every read and write.
constexpr std::chrono::seconds io_deadline{1};

class lookupd_link : public lookupd_transport,
                     public std::enable_shared_from_this<lookupd_link> {
public:
  lookupd_link(asio::io_context& ioc, caf::actor peer, int64_t max_body_size)
      : strand_(asio::make_strand(ioc)), socket_(strand_), resolver_(strand_),
        timer_(strand_), peer_(caf::actor_cast<caf::weak_actor_ptr>(peer)),
        max_body_size_(max_body_size) {}

  void open(const std::string& address, uint64_t generation) override {
    asio::post(strand_, [self = shared_from_this(), address, generation] {
      self->start_open(address, generation);
    });
  }

  void exchange(std::string bytes, uint64_t generation) override {
    asio::post(strand_,
               [self = shared_from_this(), b = std::move(bytes), generation]() mutable {
                 self->start_exchange(std::move(b), generation);
               });
  }

  void close() override {
    asio::post(strand_, [self = shared_from_this()] { self->shut(); });
  }

private:
  void reply(uint64_t generation, bool ok, std::string data) {
    if (auto p = caf::actor_cast<caf::actor>(peer_.lock()))
      caf::anon_send(p, lk_io_atom::value, generation, ok, std::move(data));
  }

  /// Arms the deadline of the current step; on expiry the socket is closed,
  /// which fails the pending operation.
  void arm(uint64_t step) {
    timer_.expires_after(io_deadline);
    timer_.async_wait([self = shared_from_this(), step](const error_code& ec) {
      if (!ec && self->step_ == step) {
        self->timed_out_ = true;
        self->resolver_.cancel();
        error_code ignored;
        self->socket_.close(ignored);
      }
    });
  }

  /// Ends the current step; returns the error text nsqd would log, or ""
  /// (Go's net.OpError: `dial tcp <addr>: connect: connection refused`,
  /// `read tcp <local>-><remote>: i/o timeout`, or io.EOF's `EOF`).
  std::string finish(const error_code& ec, const char* what) {
    ++step_;
    timer_.cancel();
    if (!ec)
      return "";
    if (ec == asio::error::eof && !timed_out_)
      return "EOF";
    bool dial = std::string_view(what) == "dial";
    auto where = dial ? address_ : endpoints_;
    if (timed_out_)
      return std::string(what) + " tcp " + where + ": i/o timeout";
    return std::string(what) + " tcp " + where + ": " + (dial ? "connect: " : "") +
           go_error(ec);
  }

  /// Remembers `local->remote` for the error texts of reads and writes.
  void note_endpoints() {
    error_code e1, e2;
    auto l = socket_.local_endpoint(e1);
    auto r = socket_.remote_endpoint(e2);
    if (!e1 && !e2)
      endpoints_ = text_of(l) + "->" + text_of(r);
  }

  static std::string text_of(const tcp::endpoint& ep) {
    auto a = ep.address().to_string();
    if (ep.address().is_v6())
      a = "[" + a + "]";
    return a + ":" + std::to_string(ep.port());
  }

  void start_open(const std::string& address, uint64_t generation) {
    shut();
    address_ = address;
    timed_out_ = false;
    host_port hp;
    if (!parse_host_port(address, hp)) {
      reply(generation, false,
            "dial tcp: address " + address + ": missing port in address");
      return;
    }
    arm(step_);
    resolver_.async_resolve(
        hp.host.empty() ? "localhost" : hp.host, std::to_string(hp.port),
        [self = shared_from_this(), generation](const error_code& ec,
                                                tcp::resolver::results_type r) {
          if (ec) {
            self->reply(generation, false, self->finish(ec, "dial"));
            return;
          }
          asio::async_connect(
              self->socket_, r,
              [self, generation](const error_code& ec2, const tcp::endpoint&) {
                auto err = self->finish(ec2, "dial");
                self->reply(generation, err.empty(), err);
              });
        });
  }

  void start_exchange(std::string bytes, uint64_t generation) {
    if (!socket_.is_open()) {
      reply(generation, false, "use of closed network connection");
      return;
    }
    out_ = std::move(bytes);
    timed_out_ = false;
    arm(step_);
    asio::async_write(
        socket_, asio::buffer(out_),
        [self = shared_from_this(), generation](const error_code& ec, size_t) {
          auto err = self->finish(ec, "write");
          if (!err.empty())
            return self->reply(generation, false, err);
          self->read_size(generation);
        });
  }

  void read_size(uint64_t generation) {
    arm(step_);
    asio::async_read(
        socket_, asio::buffer(header_),
        [self = shared_from_this(), generation](const error_code& ec, size_t) {
          auto err = self->finish(ec, "read");
          if (!err.empty())
            return self->reply(generation, false, err);
          self->read_body(generation);
        });
  }

  void read_body(uint64_t generation) {
    uint32_t size = 0;
    unsigned char h[4] = {header_[0], header_[1], header_[2], header_[3]};
    if (auto err = decode_lookup_response_size(h, max_body_size_, size); !err.empty()) {
      shut();
      return reply(generation, false, err);
    }
    in_.assign(size, '\0');
    arm(step_);
    asio::async_read(
        socket_, asio::buffer(in_),
        [self = shared_from_this(), generation](const error_code& ec, size_t) {
          auto err = self->finish(ec, "read");
          if (!err.empty())
            return self->reply(generation, false, err);
          self->reply(generation, true, std::move(self->in_));
        });
  }

  void shut() {
    ++step_;
    timer_.cancel();
    resolver_.cancel();
    error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
  }

  asio::strand<asio::io_context::executor_type> strand_;
  tcp::socket socket_;
  tcp::resolver resolver_;
  asio::steady_timer timer_;
  caf::weak_actor_ptr peer_;
  int64_t max_body_size_;
  std::string address_;
  std::string endpoints_; ///< `local->remote` of the open connection
  std::string out_;
  std::string in_;
  std::array<unsigned char, 4> header_{};
  uint64_t step_ = 0; ///< deadlines of finished steps are stale
  bool timed_out_ = false;
};

} // namespace

lookupd_transport_factory make_lookupd_link_factory(asio::io_context& ioc) {
  return [&ioc](caf::actor peer,
                int64_t max_body_size) -> std::shared_ptr<lookupd_transport> {
    return std::make_shared<lookupd_link>(ioc, std::move(peer), max_body_size);
  };
}

} // namespace nsq
