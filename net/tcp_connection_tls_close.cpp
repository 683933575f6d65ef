// Closing a TLS connection gracefully: after the last frame, send TLS
// close_notify and wait a short, bounded time for the peer's, then end the
// TCP stream as for plaintext (FIN, wait for EOF). A peer that never answers
// is dropped after tls_close_timeout; close_timer_ bounds the whole close.

#include "net/tcp_connection.hpp"

#include "actors/log.hpp"

#include <boost/asio/error.hpp>

namespace nsq {

namespace asio = boost::asio;
using boost::system::error_code;

void tcp_connection::begin_tls_close() {
  if (reading_) {
    // The shutdown reads the socket for the peer's close_notify: a pending
    // TLS read must end first. on_read() continues with start_tls_shutdown().
    tls_close_ = tls_close::awaiting_read;
    error_code ignored;
    sock_.cancel(ignored); // nothing is being written any more
    return;
  }
  start_tls_shutdown();
}

void tcp_connection::start_tls_shutdown() {
  tls_close_ = tls_close::shutting_down;
  tls_timer_.expires_after(tls_close_timeout);
  tls_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (ec == asio::error::operation_aborted ||
        self->tls_close_ != tls_close::shutting_down)
      return;
    error_code ignored;
    self->sock_.cancel(ignored); // the shutdown ends with operation_aborted
  });
  tls_->async_shutdown(
      [self = shared_from_this()](const error_code& ec) { self->on_tls_shutdown(ec); });
}

void tcp_connection::on_tls_shutdown(const error_code& ec) {
  tls_timer_.cancel();
  tls_close_ = tls_close::done;
  if (phase_ == phase::closed)
    return;
  if (ec == asio::error::operation_aborted) {
    log_debug("PROTOCOL(V2): [" + remote_ + "] no close_notify from the peer in time");
    do_abort();
    return;
  }
  // The peer answered, closed, or the socket failed: end TCP as for plaintext
  // (an error there aborts at once).
  linger_tcp();
}

} // namespace nsq
