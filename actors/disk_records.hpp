#pragma once

// Messages ↔ disk-queue record payloads (storage/queue_record.hpp), for the
// topic and channel actors.

#include "actors/messages.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace nsq {

/// One message as a disk record carries it.
struct disk_message {
  message_ref msg;
  uint16_t attempts = 0;
  /// Channel records: Unix ns when due (0 = now). Topic records: 0, or the
  /// negated defer in ns of a DPUB whose delay starts only when the message
  /// reaches a channel (§8.7).
  int64_t deliver_at = 0;
};

/// Returns the record payload of `m`.
std::string encode_disk_message(const message_ref& msg, uint16_t attempts,
                                int64_t deliver_at);

/// Parses a payload; false (logged by the caller) if it is not a message record.
bool decode_disk_message(std::string_view payload, disk_message& out);

/// Returns the wall clock in Unix nanoseconds.
int64_t record_clock_ns();

} // namespace nsq
