#pragma once

#include <chrono>
#include <string>

namespace nsq {

/// What an IDENTIFY negotiated for the socket (reference §6.3).
struct upgrade_plan {
  enum class codec { none, snappy, deflate };
  bool tls = false;
  codec compression = codec::none;
  int deflate_level = 6; ///< 1..9, with codec::deflate
};

/// How a session actor reaches its socket. actors/ defines it, net/
/// implements it over Asio, and actor tests implement it with a recorder, so
/// sessions are tested without sockets. Every method is thread-safe and
/// returns at once (the work is posted to the connection's strand).
class connection {
public:
  virtual ~connection() = default;

  /// Queues `bytes` (whole frames) for the socket, in call order.
  virtual void write(std::string bytes) = 0;

  /// Writes what is queued, then closes the socket (after a fatal error, or
  /// when the broker shuts down).
  virtual void close() = 0;

  /// Closes the socket at once without writing what is queued (heartbeat
  /// timeout: nsqd closes silently).
  virtual void abort() = 0;

  /// Sets nsqd's write deadline (§7): a write still pending `timeout` after it
  /// started closes the connection (the client reads nothing). Zero or less
  /// disables it (heartbeats disabled). The connection reports written bytes
  /// to the session as `(written_atom, total)` (actors/flow_control.hpp).
  virtual void set_write_timeout(std::chrono::milliseconds timeout) = 0;

  /// The session finished one batch of commands (read flow control: the
  /// reader keeps only a few unprocessed batches in flight).
  virtual void commands_done() = 0;

  /// Upgrades the socket after what is already queued (the IDENTIFY JSON) is
  /// written in plaintext: TLS server handshake, then the compression codec
  /// on both directions, each answered with an `OK` frame the connection
  /// writes itself, in nsqd's order. Frames written after this call go out
  /// after those `OK`s, through the new layers. Reading resumes only once the
  /// upgrade is done. On failure the connection answers
  /// `E_IDENTIFY_FAILED IDENTIFY failed <text>` and closes.
  virtual void upgrade(upgrade_plan plan) = 0;
};

} // namespace nsq
