#include "storage/queue_record.hpp"

namespace nsq::storage {

namespace {

constexpr char message_v1 = 1;
constexpr char message_with_origin = 2;
constexpr size_t origin_size = queue_record_origin_size;

void append_u64(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out += static_cast<char>((v >> shift) & 0xff);
}

uint64_t read_u64(std::string_view in, size_t at) {
  uint64_t v = 0;
  for (size_t i = at; i < at + 8; ++i)
    v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

} // namespace

void append_queue_record(std::string& out, const queue_record_view& record) {
  out.reserve(out.size() + queue_record_prefix_size + origin_size + message_header_size +
              record.message.body.size());
  out += record.origin ? message_with_origin : message_v1;
  if (record.origin) {
    append_u64(out, record.origin->file);
    append_u64(out, record.origin->offset);
  }
  append_u64(out, static_cast<uint64_t>(record.deliver_at));
  append_message_payload(out, record.message);
}

void append_queue_record(std::string& out, const queue_record& record) {
  const auto& m = record.message;
  append_queue_record(
      out, queue_record_view{message_view{m.id, m.timestamp, record.attempts, m.body},
                             record.deliver_at, record.origin});
}

status view_queue_record(std::string_view payload, queue_record_view& out) {
  bool with = !payload.empty() && payload[0] == message_with_origin;
  size_t prefix = queue_record_prefix_size + (with ? origin_size : 0);
  if (payload.size() < prefix + message_header_size)
    return status::corruption("queue record of " + std::to_string(payload.size()) +
                              " bytes is too short");
  if (payload[0] != message_v1 && !with)
    return status::corruption("unknown queue record kind " +
                              std::to_string(static_cast<unsigned char>(payload[0])));
  out.origin.reset();
  if (with)
    out.origin = queue_position{read_u64(payload, 1), read_u64(payload, 9)};
  auto message = view_message_payload(payload.substr(prefix));
  if (!message)
    return status::corruption("queue record without a message header");
  out.message = *message;
  out.deliver_at = static_cast<int64_t>(read_u64(payload, prefix - 8));
  return status::ok();
}

status decode_queue_record(std::string_view payload, queue_record& out) {
  queue_record_view view;
  if (auto st = view_queue_record(payload, view); !st.is_ok())
    return st;
  out.message.id = view.message.id;
  out.message.timestamp = view.message.timestamp;
  out.message.body.assign(view.message.body);
  out.attempts = view.message.attempts;
  out.deliver_at = view.deliver_at;
  out.origin = view.origin;
  return status::ok();
}

std::optional<queue_position> origin_of_record(std::string_view payload) {
  if (payload.size() < 1 + origin_size || payload[0] != message_with_origin)
    return std::nullopt;
  return queue_position{read_u64(payload, 1), read_u64(payload, 9)};
}

std::string with_origin(std::string_view payload, const queue_position& at) {
  std::string out;
  append_with_origin(out, payload, at);
  return out;
}

void append_with_origin(std::string& out, std::string_view payload,
                        const queue_position& at) {
  if (payload.empty() || payload[0] != message_v1) {
    out.append(payload);
    return;
  }
  out.reserve(out.size() + payload.size() + origin_size);
  out += message_with_origin;
  append_u64(out, at.file);
  append_u64(out, at.offset);
  out.append(payload.substr(1));
}

} // namespace nsq::storage
