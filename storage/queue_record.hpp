#pragma once

#include "protocol/message.hpp"
#include "storage/queue_meta.hpp"
#include "storage/status.hpp"

#include <cstdint>
#include <optional>
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
/// Kind 2 (a message with its origin) has the origin's segment and offset
/// (two uint64 BE) between the kind and deliver_at.
struct queue_record {
  message_data message;
  uint16_t attempts = 0;
  int64_t deliver_at = 0;
  /// Where the record came from in its topic's queue: a channel stores it
  /// with the copy the topic handed over, so a hand-off repeated after a
  /// crash is recognised (docs/disk-format.md, "Hand-off marks").
  std::optional<queue_position> origin;
};

/// Bytes a record payload adds before the §3.3 serialisation.
inline constexpr uint64_t queue_record_prefix_size = 9;

/// Bytes a kind-2 record (with its origin) adds to a kind-1 record.
inline constexpr uint64_t queue_record_origin_size = 16;

/// Returns the largest record payload for messages of up to `max_msg_size`
/// body bytes (with an origin): the disk queue's `max_record_size`.
inline constexpr uint64_t max_queue_record_size(uint64_t max_msg_size) {
  return queue_record_prefix_size + queue_record_origin_size + message_header_size +
         max_msg_size;
}

/// Appends the payload for `record` to `out`.
void append_queue_record(std::string& out, const queue_record& record);

/// A record read in place: the message's body points into the payload.
struct queue_record_view {
  message_view message;
  int64_t deliver_at = 0;
  std::optional<queue_position> origin;
};

/// Appends a record given as views, as the overload above.
void append_queue_record(std::string& out, const queue_record_view& record);

/// Parses a payload into `out`; an unknown kind or a short payload is corruption.
status decode_queue_record(std::string_view payload, queue_record& out);

/// Parses a payload in place (valid while `payload` is); errors as
/// decode_queue_record.
status view_queue_record(std::string_view payload, queue_record_view& out);

/// Returns the origin a payload carries (none for kind 1 or anything else).
std::optional<queue_position> origin_of_record(std::string_view payload);

/// Returns `payload` with its origin set to `at` (a kind-1 message record
/// becomes kind 2; any other payload is returned as it is).
std::string with_origin(std::string_view payload, const queue_position& at);

/// Appends `with_origin(payload, at)` to `out` without building it apart.
void append_with_origin(std::string& out, std::string_view payload,
                        const queue_position& at);

} // namespace nsq::storage
