// The session's thread writes its frames straight to the socket while nothing
// is queued on the strand (no post, no io-thread wake-up per response); an
// atomic writer token keeps it in order with the strand, which takes the
// token before it writes, upgrades or closes.

#include "net/tcp_connection.hpp"

#include "actors/flow_control.hpp"

#include <boost/asio/post.hpp>

#include <thread>

#include <cerrno>
#include <sys/socket.h>

namespace nsq {

namespace asio = boost::asio;

// -- direct writes (the session's thread, or the strand) -------------------------

bool tcp_connection::try_direct_write(std::string& bytes) {
  if (no_direct_ || posted_.load() != 0)
    return false;
  int idle = writer_idle;
  if (!writer_.compare_exchange_strong(idle, writer_direct))
    return false; // the strand is writing: queue behind it
  size_t sent = 0;
  while (sent < bytes.size()) {
    auto n = ::send(sock_.native_handle(), bytes.data() + sent, bytes.size() - sent,
                    MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0)
      sent += static_cast<size_t>(n);
    else if (n < 0 && errno == EINTR)
      continue;
    else
      break; // full socket buffer or an error: the strand takes over
  }
  accepted_ += sent;
  if (sent == bytes.size()) {
    bool report = accepted_ - reported_ >= report_step;
    writer_.store(writer_idle);
    if (report)
      asio::post(sock_.get_executor(), [self = shared_from_this()] {
        self->take_writer();
        if (self->out_.empty() && self->writing_count_ == 0)
          self->report_written();
        self->maybe_release_writer();
      });
    return true;
  }
  bytes.erase(0, sent);
  posted_.fetch_add(1); // before the strand may release the writer again
  writer_.store(writer_strand);
  asio::post(sock_.get_executor(),
             [self = shared_from_this(), b = std::move(bytes)]() mutable {
               self->posted_.fetch_sub(1);
               self->do_enqueue(std::move(b));
               self->maybe_release_writer();
             });
  return true;
}

void tcp_connection::take_writer() {
  int v = writer_.load();
  while (v != writer_strand) {
    if (v == writer_idle) {
      if (writer_.compare_exchange_weak(v, writer_strand))
        return;
      continue;
    }
    std::this_thread::yield(); // a direct send: one non-blocking syscall
    v = writer_.load();
  }
}

void tcp_connection::maybe_release_writer() {
  if (no_direct_ || phase_ != phase::open || tls_ || has_codec() || upgrading_ ||
      !held_.empty() || !out_.empty() || writing_count_ != 0 || posted_.load() != 0)
    return;
  int owned = writer_strand;
  writer_.compare_exchange_strong(owned, writer_idle);
}

} // namespace nsq
