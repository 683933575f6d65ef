#pragma once

#include "protocol/message.hpp"
#include "storage/status.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace nsq::storage {

/// What one disk-queue record holds: a message with its attempts (§3.3) and
/// when it is due, so a deferred message keeps its deadline across a restart
/// (nsqd's own disk format has no field for it and loses the delay).
///
/// Payload layout:
///   offset 0  1 byte          kind: 1 = message, version 1
///   offset 1  8 bytes int64 BE deliver_at: Unix ns when due; 0 = now
///   offset 9  ...             the §3.3 serialisation: timestamp, attempts, ID, body
struct queue_record {
  message_data message;
  uint16_t attempts = 0;
  int64_t deliver_at = 0;
};

/// Bytes a record payload adds before the §3.3 serialisation.
inline constexpr uint64_t queue_record_prefix_size = 9;

/// Returns the largest record payload for messages of up to `max_msg_size`
/// body bytes: the disk queue's `max_record_size`.
inline constexpr uint64_t max_queue_record_size(uint64_t max_msg_size) {
  return queue_record_prefix_size + message_header_size + max_msg_size;
}

/// Appends the payload for `record` to `out`.
void append_queue_record(std::string& out, const queue_record& record);

/// Parses a payload into `out`; an unknown kind or a short payload is corruption.
status decode_queue_record(std::string_view payload, queue_record& out);

} // namespace nsq::storage
