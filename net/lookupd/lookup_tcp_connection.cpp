#include "net/lookupd/lookup_tcp_connection.hpp"

#include "actors/lookupd/lookup_messages.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>

#include <caf/send.hpp>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

namespace nsq {

namespace asio = boost::asio;

namespace {

/// TCP keep-alive with Go's 15 s period: the only way a silently dead nsqd
/// is ever noticed (reference §1).
void enable_keepalive(asio::ip::tcp::socket& sock) {
  boost::system::error_code ec;
  sock.set_option(asio::socket_base::keep_alive(true), ec);
  int secs = 15;
  ::setsockopt(sock.native_handle(), IPPROTO_TCP, TCP_KEEPIDLE, &secs, sizeof secs);
  ::setsockopt(sock.native_handle(), IPPROTO_TCP, TCP_KEEPINTVL, &secs, sizeof secs);
}

} // namespace

lookup_tcp_connection::lookup_tcp_connection(tcp::socket sock) : sock_(std::move(sock)) {
  enable_keepalive(sock_);
}

lookup_tcp_connection::~lookup_tcp_connection() {
  if (on_destroyed_)
    on_destroyed_();
}

std::string lookup_tcp_connection::peer_id() const {
  boost::system::error_code ec;
  auto ep = sock_.remote_endpoint(ec);
  if (ec)
    return "unknown:0";
  auto addr = ep.address();
  auto host = addr.to_string();
  if (addr.is_v6())
    host = "[" + host + "]";
  return host + ":" + std::to_string(ep.port());
}

void lookup_tcp_connection::start(caf::actor session) {
  asio::post(sock_.get_executor(), [self = shared_from_this(), s = std::move(session)] {
    self->session_ = s;
    self->do_read();
  });
}

void lookup_tcp_connection::do_read() {
  if (closed_ || eof_)
    return;
  sock_.async_read_some(asio::buffer(inbuf_),
                        [self = shared_from_this()](boost::system::error_code ec,
                                                    size_t n) { self->on_read(ec, n); });
}

void lookup_tcp_connection::on_read(const boost::system::error_code& ec, size_t n) {
  if (closed_)
    return;
  std::vector<lookup_event> events;
  if (ec) {
    // EOF or a read error: report a half-read IDENTIFY (its answer can
    // still reach a half-closed peer), then let the session finish.
    eof_ = true;
    parser_.finish(events);
    forward(events);
    // The session answers what it has, then closes us (flush first).
    caf::anon_send(session_, lk_closed_atom::value);
    return;
  }
  parser_.feed(std::string_view(inbuf_.data(), n), events);
  forward(events);
  if (parser_.done())
    return; // a fatal answer or IDENTIFY-again: the session closes us
  caf::anon_send(session_, lk_done_atom::value);
}

void lookup_tcp_connection::forward(std::vector<lookup_event>& events) {
  using kind = lookup_event::kind;
  for (auto& ev : events) {
    switch (ev.what) {
    case kind::command:
      caf::anon_send(session_, lk_cmd_atom::value, std::move(ev.tokens));
      break;
    case kind::identify:
      caf::anon_send(session_, lk_body_atom::value, std::move(ev.body));
      break;
    case kind::identify_again:
      caf::anon_send(session_, lk_again_atom::value);
      break;
    case kind::fatal:
      caf::anon_send(session_, lk_fatal_atom::value, std::move(ev.error));
      break;
    }
  }
}

void lookup_tcp_connection::resume() {
  asio::post(sock_.get_executor(), [self = shared_from_this()] {
    // A client that pipelines without reading its answers waits for them
    // to drain before more of its input is read (bounded output queue).
    if (self->queued_ > max_queued)
      self->read_paused_ = true;
    else
      self->do_read();
  });
}

void lookup_tcp_connection::write(std::string bytes) {
  asio::post(sock_.get_executor(),
             [self = shared_from_this(), b = std::move(bytes)]() mutable {
               if (self->closed_)
                 return;
               self->queued_ += b.size();
               self->outq_.push_back(std::move(b));
               if (self->outq_.size() == 1)
                 self->do_write();
             });
}

void lookup_tcp_connection::do_write() {
  asio::async_write(sock_, asio::buffer(outq_.front()),
                    [self = shared_from_this()](boost::system::error_code ec, size_t) {
                      if (ec)
                        return self->do_close();
                      self->queued_ -= self->outq_.front().size();
                      self->outq_.pop_front();
                      if (self->read_paused_ && self->queued_ <= max_queued) {
                        self->read_paused_ = false;
                        self->do_read();
                      }
                      if (!self->outq_.empty())
                        self->do_write();
                      else if (self->closing_)
                        self->do_close();
                    });
}

void lookup_tcp_connection::close() {
  asio::post(sock_.get_executor(), [self = shared_from_this()] {
    self->closing_ = true;
    if (self->outq_.empty())
      self->do_close();
  });
}

void lookup_tcp_connection::abort() {
  asio::post(sock_.get_executor(), [self = shared_from_this()] { self->do_close(); });
}

void lookup_tcp_connection::do_close() {
  if (closed_)
    return;
  closed_ = true;
  boost::system::error_code ignored;
  sock_.shutdown(tcp::socket::shutdown_both, ignored);
  sock_.close(ignored);
  outq_.clear();
  if (session_)
    caf::anon_send(session_, lk_closed_atom::value);
  session_ = nullptr; // breaks the session <-> connection cycle
}

} // namespace nsq
