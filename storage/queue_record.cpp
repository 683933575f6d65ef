#include "storage/queue_record.hpp"

namespace nsq::storage {

namespace {

constexpr char message_v1 = 1;

} // namespace

void append_queue_record(std::string& out, const queue_record& record) {
  out.reserve(out.size() + queue_record_prefix_size + message_header_size +
              record.message.body.size());
  out += message_v1;
  auto due = static_cast<uint64_t>(record.deliver_at);
  for (int shift = 56; shift >= 0; shift -= 8)
    out += static_cast<char>((due >> shift) & 0xff);
  append_message_payload(out, record.message, record.attempts);
}

status decode_queue_record(std::string_view payload, queue_record& out) {
  if (payload.size() < queue_record_prefix_size + message_header_size)
    return status::corruption("queue record of " + std::to_string(payload.size()) +
                              " bytes is too short");
  if (payload[0] != message_v1)
    return status::corruption("unknown queue record kind " +
                              std::to_string(static_cast<unsigned char>(payload[0])));
  uint64_t due = 0;
  for (size_t i = 1; i < queue_record_prefix_size; ++i)
    due = (due << 8) | static_cast<unsigned char>(payload[i]);
  auto message = decode_message_payload(payload.substr(queue_record_prefix_size));
  if (!message)
    return status::corruption("queue record without a message header");
  out.message = std::move(message->data);
  out.attempts = message->attempts;
  out.deliver_at = static_cast<int64_t>(due);
  return status::ok();
}

} // namespace nsq::storage
