// The IDENTIFY upgrade of a tcp_connection (reference §6.3): plaintext JSON
// first, then the TLS server handshake, `OK` over TLS, then the compression
// codec on both directions and `OK` through it. Also the bounded decoding
// of compressed input.

#include "net/tcp_connection.hpp"

#include "actors/log.hpp"
#include "actors/messages.hpp"
#include "net/tls_peer.hpp"
#include "protocol/frame.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>

#include <caf/send.hpp>

#include <algorithm>
#include <utility>

namespace nsq {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

/// The magic a fresh parser expects before commands.
constexpr std::string_view magic_v2 = "  V2";

/// Compressed bytes handed to the snappy decoder at once: a snappy block
/// expands at most ~22 times, so a step yields a bounded amount of output.
constexpr size_t snappy_input_step = 4096;

const std::string& ok_frame() {
  static const std::string frame = make_frame(frame_type::response, "OK");
  return frame;
}

} // namespace

void tcp_connection::do_upgrade(upgrade_plan plan) {
  take_writer();
  if (phase_ != phase::open || upgrading_)
    return;
  plan_ = plan;
  upgrading_ = true;
  upgrade_started_ = false;
  maybe_start_upgrade();
}

void tcp_connection::maybe_start_upgrade() {
  // The JSON response must have left in plaintext before anything switches.
  if (!upgrading_ || upgrade_started_ || writing_count_ != 0 || !out_.empty() ||
      phase_ != phase::open)
    return;
  upgrade_started_ = true;
  if (!plan_.tls) {
    install_codec();
    return;
  }
  if (!tls_ctx_) {
    fail_upgrade("TLS is not configured");
    return;
  }
  tls_ = std::make_unique<asio::ssl::stream<tcp::socket&>>(sock_, *tls_ctx_);
  tls_timer_.expires_after(handshake_timeout);
  tls_timer_.async_wait([self = shared_from_this()](const error_code& ec) {
    if (ec == asio::error::operation_aborted || !self->upgrading_)
      return;
    error_code ignored;
    self->sock_.cancel(ignored); // the handshake fails with operation_aborted
  });
  tls_->async_handshake(
      asio::ssl::stream_base::server,
      [self = shared_from_this()](const error_code& ec) { self->on_handshake(ec); });
}

void tcp_connection::on_handshake(const error_code& ec) {
  tls_timer_.cancel();
  if (phase_ != phase::open)
    return;
  if (ec) {
    tls_.reset(); // the error goes out in plaintext, as nsqd's does
    fail_upgrade(ec == asio::error::operation_aborted ? "TLS handshake timed out"
                                                      : ec.message());
    return;
  }
  log_info("PROTOCOL(V2): [" + remote_ + "] upgraded to TLS (" +
           SSL_get_version(tls_->native_handle()) + ")");
  report_tls();
  push_out(ok_frame()); // over TLS, not through a codec
  install_codec();
}

void tcp_connection::report_tls() {
  // Sent from this strand before any batch read over TLS: the session has
  // the details before it runs a command that needs them (AUTH).
  if (session_)
    caf::anon_send(session_, tls_up_atom::value, describe_tls(tls_->native_handle()));
}

void tcp_connection::install_codec() {
  switch (plan_.compression) {
  case upgrade_plan::codec::none:
    break;
  case upgrade_plan::codec::snappy:
    snappy_out_.emplace();
    snappy_in_.emplace();
    log_info("PROTOCOL(V2): [" + remote_ + "] upgraded to snappy");
    break;
  case upgrade_plan::codec::deflate: {
    deflate_out_ = deflate_encoder::create(plan_.deflate_level);
    deflate_in_ = deflate_decoder::create();
    if (!deflate_out_ || !deflate_in_) {
      deflate_out_.reset();
      deflate_in_.reset();
      fail_upgrade("deflate: cannot initialise level " +
                   std::to_string(plan_.deflate_level));
      return;
    }
    log_info("PROTOCOL(V2): [" + remote_ + "] upgraded to deflate");
    break;
  }
  }
  if (has_codec()) {
    auto ok = ok_frame();
    if (!encode(ok)) {
      fail_upgrade("compression failed");
      return;
    }
    push_out(std::move(ok));
  }
  finish_upgrade();
}

void tcp_connection::finish_upgrade() {
  upgrading_ = false;
  // Bytes a client pipelined behind IDENTIFY in plaintext are lost, as in
  // nsqd (it replaces its buffered reader): start a fresh parser past the magic.
  parser_ = command_parser(*cfg_);
  parser_.feed(magic_v2, batch_);
  auto held = std::move(held_);
  held_.clear();
  held_bytes_ = 0;
  for (auto& bytes : held)
    do_enqueue(std::move(bytes));
  resume_reading();
}

void tcp_connection::fail_upgrade(const std::string& why) {
  log_error("PROTOCOL(V2): [" + remote_ + "] - E_IDENTIFY_FAILED IDENTIFY failed " + why);
  upgrading_ = false;
  held_.clear();
  held_bytes_ = 0;
  snappy_out_.reset();
  snappy_in_.reset();
  deflate_out_.reset();
  deflate_in_.reset();
  push_out(make_frame(frame_type::error, "E_IDENTIFY_FAILED IDENTIFY failed " + why));
  read_ended_ = true; // nothing more is read; the session is told to quit
  do_close();
}

bool tcp_connection::encode(std::string& bytes) {
  std::string coded;
  if (snappy_out_)
    snappy_out_->append(coded, bytes);
  else if (deflate_out_ && !deflate_out_->append(coded, bytes))
    return false;
  bytes = std::move(coded);
  return true;
}

void tcp_connection::pump_decoded() {
  while (phase_ == phase::open && !read_ended_) {
    if (outstanding_ >= 2 || hold_reads_ || upgrading_) {
      pause_reading(); // commands_done() resumes the pump
      return;
    }
    if (coded_in_.empty() && !inflate_more_)
      break;
    plain_.clear();
    if (!decode_step())
      return;
    if (!plain_.empty() && !feed_plain(plain_))
      return;
  }
  if (phase_ == phase::open && !read_ended_)
    do_read();
}

bool tcp_connection::decode_step() {
  if (snappy_in_) {
    size_t n = std::min(coded_in_.size(), snappy_input_step);
    auto st = snappy_in_->feed(std::string_view(coded_in_).substr(0, n), plain_);
    coded_in_.erase(0, n);
    if (st == snappy_decoder::status::ok)
      return true;
    log_error("PROTOCOL(V2): [" + remote_ + "] failed to read command - snappy: " +
              std::string(snappy_in_->error_text()));
  } else {
    auto r = deflate_in_->feed(coded_in_, plain_, max_decoded_step);
    coded_in_.erase(0, r.consumed);
    inflate_more_ = r.st == deflate_decoder::status::output_full;
    if (r.st == deflate_decoder::status::ok || inflate_more_)
      return true;
    log_error("PROTOCOL(V2): [" + remote_ + "] failed to read command - " +
              (r.st == deflate_decoder::status::end
                   ? std::string("deflate stream ended")
                   : std::string("flate: corrupt input")));
  }
  // What decoded before the error still runs; then the connection closes.
  coded_in_.clear();
  inflate_more_ = false;
  if (!plain_.empty())
    feed_plain(plain_);
  if (!read_ended_)
    end_input();
  return false;
}

} // namespace nsq
