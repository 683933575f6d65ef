#pragma once

#include "protocol/message.hpp"

#include <cstdint>

namespace nsq {

/// nsqd's message-ID scheme (reference §12.1): ((ts - epoch) << 22) |
/// (node_id << 12) | seq, where ts = unix_ns >> 20 and seq is a 12-bit
/// counter per tick; hex-encoded big-endian, lowercase.
///
/// nsqd sleeps 1 ms when the clock goes back or a tick's 4096 IDs run out.
/// An actor must not sleep, so this generator borrows the next tick instead:
/// IDs stay strictly increasing and unique, and never fail.
class id_generator {
public:
  static constexpr int64_t epoch = 1288834974288;

  explicit id_generator(int64_t node_id) : node_id_(node_id & 0x3ff) {}

  /// Returns the next ID for a message accepted at `unix_nanos`.
  message_id next(int64_t unix_nanos);

private:
  int64_t node_id_;
  int64_t last_tick_ = -1;
  int64_t sequence_ = 0;
};

/// Returns the 16 lowercase hex characters of `value`, big-endian.
message_id encode_id(uint64_t value);

} // namespace nsq
