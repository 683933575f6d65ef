// Closing a connection (strand): flush what is queued, send our FIN, wait
// for the peer's EOF (lingering) within close_timeout, or drop it at once
// (abort); either way the session hears conn_closed exactly once.

#include "net/tcp_connection.hpp"

#include "actors/log.hpp"
#include "actors/messages.hpp"

#include <boost/asio/error.hpp>

#include <caf/send.hpp>

namespace nsq {

namespace asio = boost::asio;
using boost::system::error_code;

void tcp_connection::do_close() {
  take_writer();
  if (phase_ != phase::open)
    return;
  if (upgrade_started_ && upgrading_) {
    do_abort(); // mid-handshake: nothing queued can be sent anyway
    return;
  }
  phase_ = phase::closing;
  // Nothing the session writes from now on is sent: let it quit now rather
  // than after the flush (a client that does not read would hold it up).
  notify_session();
  close_timer_.expires_after(close_timeout);
  close_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (ec == asio::error::operation_aborted || self->phase_ == phase::closed)
      return;
    log_warn("PROTOCOL(V2): [" + self->remote_ +
             "] close timed out - dropping the connection");
    self->do_abort();
  });
  if (writing_count_ == 0 && out_.empty())
    begin_linger();
}

void tcp_connection::begin_linger() {
  phase_ = phase::lingering;
  if (tls_ && tls_close_ == tls_close::none) {
    begin_tls_close(); // close_notify first; it continues with linger_tcp()
    return;
  }
  linger_tcp();
}

void tcp_connection::linger_tcp() {
  // Send our FIN after the last byte, then wait for the peer's EOF before
  // closing: closing with unread input would send a RST that can destroy the
  // frames we just wrote before the client reads them.
  error_code ec;
  sock_.shutdown(tcp::socket::shutdown_send, ec);
  if (ec || read_ended_) {
    do_abort();
    return;
  }
  if (!reading_)
    do_linger_read();
}

void tcp_connection::do_linger_read() {
  reading_ = true;
  sock_.async_read_some(asio::buffer(read_buf_),
                        [self = shared_from_this()](const error_code& ec, size_t n) {
                          self->on_read(ec, n);
                        });
}

void tcp_connection::do_abort() {
  take_writer(); // no direct send may use the socket while it closes
  if (phase_ == phase::closed)
    return;
  phase_ = phase::closed;
  close_timer_.cancel();
  tls_timer_.cancel();
  write_timer_.cancel();
  held_.clear();
  held_bytes_ = 0;
  coded_in_.clear();
  error_code ec;
  sock_.shutdown(tcp::socket::shutdown_both, ec); // fails harmlessly if the peer is gone
  sock_.close(ec);
  if (ec)
    log_debug("PROTOCOL(V2): [" + remote_ + "] close failed - " + ec.message());
  if (writing_count_ == 0) { // else on_written() frees them
    out_.clear();
    out_bytes_ = 0;
  }
  batch_.clear();
  notify_session();
  log_info("PROTOCOL(V2): [" + remote_ + "] exiting ioloop");
}

void tcp_connection::notify_session() {
  if (!session_)
    return;
  caf::anon_send(session_, conn_closed_atom::value);
  session_ = nullptr; // breaks the session ↔ connection cycle
}

} // namespace nsq
