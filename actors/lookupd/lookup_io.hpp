#pragma once

#include <string>

namespace nsq {

/// How a lookup_session reaches its socket: net/ implements it over Asio,
/// tests with a recorder. Thread-safe; work is posted to the socket's strand.
class lookup_io {
public:
  virtual ~lookup_io() = default;
  /// Queues whole frames, in call order.
  virtual void write(std::string bytes) = 0;
  /// Writes what is queued, then closes the socket.
  virtual void close() = 0;
  /// The session handled one read's worth of input: read more (flow control,
  /// so a pipelining client cannot grow the mailbox without bound).
  virtual void resume() = 0;
};

} // namespace nsq
