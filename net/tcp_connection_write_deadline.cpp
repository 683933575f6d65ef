#include "actors/log.hpp"
#include "net/tcp_connection.hpp"

#include <boost/asio/post.hpp>

// nsqd's write deadline (reference §7): every write must finish within the
// client's heartbeat interval, else the client is closed (it reads nothing);
// leaving its channel requeues its in-flight messages.

namespace nsq {

namespace asio = boost::asio;
using boost::system::error_code;
using steady = std::chrono::steady_clock;

void tcp_connection::set_write_timeout(std::chrono::milliseconds timeout) {
  asio::post(sock_.get_executor(), [self = shared_from_this(), timeout] {
    self->change_write_timeout(timeout);
  });
}

void tcp_connection::change_write_timeout(std::chrono::milliseconds timeout) {
  write_timeout_ = timeout;
  if (!write_timer_armed_)
    return;
  if (timeout.count() > 0) {
    start_write_timer(timeout); // a shorter interval must not wait for the old one
    return;
  }
  ++write_timer_gen_;
  write_timer_armed_ = false;
  write_timer_.cancel();
}

void tcp_connection::arm_write_deadline() {
  if (write_timeout_.count() <= 0)
    return;
  write_started_ = steady::now();
  if (!write_timer_armed_)
    start_write_timer(write_timeout_);
}

void tcp_connection::start_write_timer(steady::duration after) {
  auto gen = ++write_timer_gen_;
  write_timer_armed_ = true;
  write_timer_.expires_after(after); // a wait it replaces sees a stale gen
  write_timer_.async_wait([self = shared_from_this(), gen](const error_code& ec) {
    if (gen != self->write_timer_gen_)
      return;
    self->write_timer_armed_ = false;
    if (!ec)
      self->on_write_timer();
  });
}

void tcp_connection::on_write_timer() {
  if (writing_count_ == 0 || phase_ == phase::closed || write_timeout_.count() <= 0)
    return; // nothing pending: the next write arms the timer again
  auto due = write_started_ + write_timeout_;
  auto now = steady::now();
  if (now < due) {
    start_write_timer(due - now); // a later write is pending: check at its deadline
    return;
  }
  log_error("PROTOCOL(V2): [" + remote_ + "] write timeout: nothing read for " +
            std::to_string(write_timeout_.count()) + "ms, closing");
  do_abort();
}

} // namespace nsq
