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
///
/// Across restarts: every generator starts after the process-wide floor
/// (set_id_floor, from the tick lease main() keeps in the data path), so a
/// clock stepped back across a restart cannot repeat an ID of a message
/// still on disk (docs/architecture.md, "Where we differ from nsqd").
class id_generator {
public:
  static constexpr int64_t epoch = 1288834974288;

  /// IDs start above tick `after_tick` (unix_ns >> 20), whatever the clock.
  explicit id_generator(int64_t node_id, int64_t after_tick = id_floor())
      : node_id_(node_id & 0x3ff), last_tick_(after_tick), sequence_(0xfff) {}

  /// The tick every new generator starts after (-1 before set_id_floor).
  static int64_t id_floor();
  /// Sets it (main(), before any topic exists).
  static void set_id_floor(int64_t tick);

  /// Returns the next ID for a message accepted at `unix_nanos`.
  message_id next(int64_t unix_nanos);

private:
  int64_t node_id_;
  int64_t last_tick_;
  int64_t sequence_;
};

/// Returns the 16 lowercase hex characters of `value`, big-endian.
message_id encode_id(uint64_t value);

} // namespace nsq
