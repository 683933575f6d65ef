#include "actors/disk_records.hpp"

#include "storage/queue_record.hpp"

#include <chrono>
#include <utility>

namespace nsq {

std::string encode_disk_message(const message_ref& msg, uint16_t attempts,
                                int64_t deliver_at) {
  storage::queue_record_view r;
  r.message = view_of(data_of(msg), attempts);
  r.deliver_at = deliver_at;
  std::string out;
  storage::append_queue_record(out, r);
  return out;
}

bool decode_disk_message(std::string_view payload, disk_message& out) {
  storage::queue_record_view r;
  if (!storage::view_queue_record(payload, r).is_ok())
    return false;
  out.msg = message_ref{r.message.id, r.message.timestamp, r.message.body};
  out.attempts = r.message.attempts;
  out.deliver_at = r.deliver_at;
  return true;
}

int64_t record_clock_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

} // namespace nsq
