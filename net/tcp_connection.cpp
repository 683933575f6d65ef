#include "net/tcp_connection.hpp"

#include "actors/flow_control.hpp"
#include "actors/log.hpp"
#include "actors/messages.hpp"
#include "actors/session.hpp"
#include "protocol/frame.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>

#include <caf/actor_system.hpp>
#include <caf/send.hpp>

#include <algorithm>
#include <utility>

namespace nsq {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

/// The magic every V2 client sends first.
constexpr size_t magic_size = 4;

/// Most commands a new batch reserves room for (a FIN line is 21 bytes, so
/// a 64 KiB read holds up to ~3,000).
constexpr size_t max_batch_reserve = 4096;
/// Smaller batches reserve nothing: an idle connection's one IDENTIFY must not
/// keep a command's worth of memory (~0.2 KB) reserved.
constexpr size_t min_batch_reserve = 16;

/// Returns `addr` without the IPv4-mapped IPv6 wrapping a dual-stack
/// listener adds, so clients are named like nsqd names them.
asio::ip::address unmapped(const asio::ip::address& addr) {
  if (addr.is_v6() && addr.to_v6().is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, addr.to_v6());
  return addr;
}

} // namespace

tcp_connection::tcp_connection(tcp::socket sock, caf::actor_system& sys,
                               caf::actor broker, std::shared_ptr<const settings> cfg,
                               std::shared_ptr<asio::ssl::context> tls)
    : sock_(std::move(sock)), close_timer_(sock_.get_executor()), sys_(sys),
      broker_(std::move(broker)), cfg_(std::move(cfg)), parser_(*cfg_),
      tls_ctx_(std::move(tls)), tls_timer_(sock_.get_executor()),
      write_timeout_(cfg_->default_heartbeat_interval),
      write_timer_(sock_.get_executor()) {
  error_code ec;
  auto ep = sock_.remote_endpoint(ec);
  if (ec) {
    remote_ = "unknown";
  } else {
    auto addr = unmapped(ep.address());
    remote_ip_ = addr.to_string();
    remote_ = addr.is_v6() ? "[" + remote_ip_ + "]:" + std::to_string(ep.port())
                           : remote_ip_ + ":" + std::to_string(ep.port());
  }
  // Frames are written whole and already coalesced: Nagle would only add latency.
  sock_.set_option(tcp::no_delay(true), ec);
  if (ec)
    log_warn("TCP: client(" + remote_ + ") cannot set TCP_NODELAY - " + ec.message());
}

void tcp_connection::start() {
  asio::post(sock_.get_executor(), [self = shared_from_this()] { self->do_read(); });
}

// -- connection interface (any thread) -----------------------------------------

void tcp_connection::write(std::string bytes) {
  if (bytes.empty() || try_direct_write(bytes))
    return;
  posted_.fetch_add(1);
  asio::post(sock_.get_executor(),
             [self = shared_from_this(), b = std::move(bytes)]() mutable {
               self->take_writer(); // before posted_ drops: no direct write overtakes b
               self->posted_.fetch_sub(1);
               self->do_enqueue(std::move(b));
               self->maybe_release_writer();
             });
}

void tcp_connection::close() {
  no_direct_ = true; // later writes are dropped by the strand, as before
  asio::post(sock_.get_executor(), [self = shared_from_this()] { self->do_close(); });
}

void tcp_connection::abort() {
  no_direct_ = true;
  asio::post(sock_.get_executor(), [self = shared_from_this()] { self->do_abort(); });
}

void tcp_connection::commands_done() {
  outstanding_.fetch_sub(1);
  // Only a paused reader waits for this; a PUB round trip posts nothing.
  if (identify_out_ || needs_done_.exchange(false))
    asio::post(sock_.get_executor(),
               [self = shared_from_this()] { self->on_commands_done(); });
}

void tcp_connection::upgrade(upgrade_plan plan) {
  no_direct_ = true; // frames after this go through the new layers
  asio::post(sock_.get_executor(),
             [self = shared_from_this(), plan] { self->do_upgrade(plan); });
}

// -- reading (strand) --------------------------------------------------------------

void tcp_connection::do_read() {
  if (phase_ != phase::open || read_ended_ || reading_ || read_paused_)
    return;
  if (hold_reads_ || upgrading_) {
    // The next bytes may belong to a TLS handshake or a compressed stream.
    pause_reading();
    return;
  }
  do_read_some();
}

void tcp_connection::do_read_some() {
  reading_ = true;
  if (read_filled_ && read_buf_.size() < max_read_buffer)
    read_buf_.resize(std::min(read_buf_.size() * 2, max_read_buffer));
  read_filled_ = false;
  auto on_done = [self = shared_from_this()](const error_code& ec, size_t n) {
    self->on_read(ec, n);
  };
  if (tls_)
    tls_->async_read_some(asio::buffer(read_buf_), std::move(on_done));
  else
    sock_.async_read_some(asio::buffer(read_buf_), std::move(on_done));
}

void tcp_connection::resume_reading() {
  // Two unprocessed batches are enough to keep the session busy; more would
  // only let a fast producer pile commands up in the session's mailbox.
  if (read_paused_ && outstanding_ < 2 && !hold_reads_ && !upgrading_) {
    read_paused_ = false;
    if (has_codec())
      pump_decoded(); // compressed input may still be buffered
    else
      do_read();
  }
}

void tcp_connection::continue_reading() {
  if (outstanding_ >= 2 || hold_reads_ || upgrading_)
    pause_reading();
  else
    do_read();
}

void tcp_connection::pause_reading() {
  read_paused_ = true;
  // Announce the wait before looking again: either the session sees it and
  // posts its commands_done(), or we see its decrement here.
  needs_done_ = true;
  recheck_paused();
}

void tcp_connection::on_commands_done() {
  if (outstanding_ <= 0 && hold_reads_) {
    // The IDENTIFY ran, and its upgrade() (if any) was posted before this.
    hold_reads_ = false;
    identify_out_ = false;
  }
  recheck_paused();
}

void tcp_connection::recheck_paused() {
  if (!read_paused_)
    return;
  if (outstanding_ < 2 && !hold_reads_ && !upgrading_) {
    needs_done_ = false;
    resume_reading();
  } else {
    needs_done_ = true;
  }
}

void tcp_connection::end_input() {
  read_ended_ = true;
  maybe_spawn_session();
  send_batch();
  if (session_)
    notify_session(); // it runs what it has, then quits; its exit closes us
  else
    do_close();
}

void tcp_connection::on_read(const error_code& ec, size_t n) {
  reading_ = false;
  switch (phase_) {
  case phase::closed:
    return;
  case phase::lingering:
    if (tls_close_ == tls_close::awaiting_read) {
      start_tls_shutdown(); // the TLS read it cancelled is done
      return;
    }
    // Input after our FIN is discarded; the peer's EOF (or any error) ends it.
    if (ec)
      do_abort();
    else
      do_linger_read();
    return;
  case phase::closing:
    // Flushing before close: input is ignored, an error ends the socket now.
    if (ec == asio::error::eof)
      read_ended_ = true;
    else if (ec)
      do_abort();
    return;
  case phase::open:
    break;
  }
  if (ec == asio::error::eof || (tls_ && ec == asio::ssl::error::stream_truncated)) {
    // A command cut short by the client's EOF is answered with nsqd's read
    // error (the client may have closed only its sending side).
    parser_.finish(batch_);
    end_input();
    return;
  }
  if (ec) {
    if (ec != asio::error::operation_aborted)
      log_debug("PROTOCOL(V2): [" + remote_ + "] read failed - " + ec.message());
    do_abort();
    return;
  }
  on_bytes(n);
}

void tcp_connection::on_bytes(size_t n) {
  read_filled_ = n == read_buf_.size();
  std::string_view bytes{read_buf_.data(), n};
  if (has_codec()) {
    coded_in_.append(bytes); // empty here: reading waits until it is drained
    pump_decoded();
    return;
  }
  if (feed_plain(bytes))
    continue_reading();
}

bool tcp_connection::feed_plain(std::string_view bytes) {
  bool magic_now = bytes_fed_ < magic_size && bytes_fed_ + bytes.size() >= magic_size;
  if (bytes_fed_ < magic_size)
    bytes_fed_ += bytes.size();
  auto first_bytes = bytes.substr(0, magic_size);
  auto status = parser_.feed(bytes, batch_);
  // nsqd logs every accepted magic; only V2's is accepted.
  if (magic_now && status != command_parser::status::bad_protocol)
    log_info("CLIENT(" + remote_ + "): desired protocol magic '  V2'");
  switch (status) {
  case command_parser::status::bad_protocol:
    log_error("client(" + remote_ + ") bad protocol magic '" + std::string(first_bytes) +
              "'");
    do_enqueue(make_frame(frame_type::error, "E_BAD_PROTOCOL"));
    do_close();
    return false;
  case command_parser::status::line_too_long:
    log_error("client(" + remote_ + ") - failed to read command - line longer than " +
              std::to_string(command_parser::max_line_size - 1) + " bytes");
    end_input(); // commands before the long line still run, as in nsqd
    return false;
  case command_parser::status::stopped:
    log_info("PROTOCOL(V2): [" + remote_ +
             "] fatal command read, input ignored from now on");
    read_ended_ = true; // the session answers it and closes us
    maybe_spawn_session();
    send_batch();
    return false;
  case command_parser::status::ok:
    maybe_spawn_session();
    send_batch();
    return true;
  }
  return false;
}

void tcp_connection::maybe_spawn_session() {
  // nsqd starts a client's heartbeats once its magic was accepted.
  if (session_spawned_ || bytes_fed_ < magic_size)
    return;
  session_spawned_ = true;
  session_ =
      spawn_session(sys_, shared_from_this(), broker_, cfg_, remote_ip_, remote_, http_);
  // Whenever the session ends, the socket ends too (after the session's last
  // writes, which were posted before this runs).
  session_->attach_functor([self = shared_from_this()] { self->close(); });
  maybe_release_writer(); // from now on the session may write directly
}

void tcp_connection::send_batch() {
  if (batch_.empty() || !session_)
    return;
  // An IDENTIFY may switch the socket to TLS or a codec: read nothing more
  // until the session has run it (and asked for the upgrade, if any).
  for (const auto& cmd : batch_)
    if (std::string_view{cmd.name} == std::string_view{"IDENTIFY"})
      hold_reads_ = true;
  if (hold_reads_)
    identify_out_ = true; // before the session can finish the batch
  auto size = batch_.size();
  caf::anon_send(session_, commands_atom::value, std::move(batch_));
  batch_.clear(); // a moved-from vector is valid but unspecified
  // A consumer's reads carry similar runs of FINs: room for as many as the
  // last batch had saves the vector's regrowth (and moving its commands).
  if (size >= min_batch_reserve)
    batch_.reserve(std::min(size, max_batch_reserve));
  ++outstanding_;
}

// -- writing (strand) --------------------------------------------------------------

void tcp_connection::do_enqueue(std::string bytes) {
  take_writer();
  if (phase_ != phase::open || bytes.empty())
    return; // close() was requested: later writes are dropped, as in nsqd
  accepted_ += bytes.size();
  if (upgrading_) {
    // They go out after the upgrade's OK frames, through the new layers.
    if (out_bytes_ + held_bytes_ + bytes.size() > max_queued_bytes) {
      log_warn("PROTOCOL(V2): [" + remote_ + "] too many bytes queued during an upgrade");
      do_abort();
      return;
    }
    held_bytes_ += bytes.size();
    held_.push_back(std::move(bytes));
    return;
  }
  if (has_codec() && !encode(bytes)) {
    log_error("PROTOCOL(V2): [" + remote_ + "] compression failed - closing");
    do_abort();
    return;
  }
  push_out(std::move(bytes));
}

void tcp_connection::push_out(std::string bytes) {
  if (out_bytes_ + bytes.size() > max_queued_bytes) {
    log_warn("PROTOCOL(V2): [" + remote_ + "] more than " +
             std::to_string(max_queued_bytes) +
             " bytes queued for a client that does not read - closing");
    do_abort();
    return;
  }
  out_bytes_ += bytes.size();
  out_.push_back(std::move(bytes));
  if (writing_count_ == 0)
    do_write();
}

void tcp_connection::do_write() {
  // One gathered write of everything queued: frames queued while a write is
  // pending go out together in the next one.
  std::vector<asio::const_buffer> bufs;
  bufs.reserve(out_.size());
  for (auto& s : out_)
    bufs.emplace_back(asio::buffer(s));
  writing_count_ = out_.size();
  arm_write_deadline();
  auto on_done = [self = shared_from_this()](const error_code& ec, size_t) {
    self->on_written(ec);
  };
  if (tls_)
    asio::async_write(*tls_, bufs, std::move(on_done));
  else
    asio::async_write(sock_, bufs, std::move(on_done));
}

void tcp_connection::on_written(const error_code& ec) {
  if (phase_ == phase::closed) {
    out_.clear(); // kept until now: the aborted write still referenced them
    out_bytes_ = 0;
    writing_count_ = 0;
    return;
  }
  if (ec) {
    log_debug("PROTOCOL(V2): [" + remote_ + "] write failed - " + ec.message());
    do_abort();
    return;
  }
  for (; writing_count_ > 0; --writing_count_) {
    out_bytes_ -= out_.front().size();
    out_.pop_front();
  }
  if (!out_.empty()) {
    do_write();
    return;
  }
  if (phase_ == phase::closing) {
    begin_linger();
    return;
  }
  report_written();
  maybe_start_upgrade(); // the IDENTIFY JSON is out: switch now
  maybe_release_writer();
}

void tcp_connection::report_written() {
  // Only once all is written (with a codec, queued and accepted sizes differ)
  // and in steps: a session waits for room only with more than a step unwritten.
  if (!held_.empty() || accepted_ - reported_ < report_step || !session_)
    return;
  reported_ = accepted_;
  caf::anon_send(session_, written_atom::value, reported_);
}

} // namespace nsq
