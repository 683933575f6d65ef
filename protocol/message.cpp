#include "protocol/message.hpp"

#include "protocol/frame.hpp"

#include <algorithm>

namespace nsq {

namespace {

/// Writes `x` big-endian into the `bytes` bytes at `at`.
void put_be(char* at, uint64_t x, int bytes) {
  for (int i = bytes - 1; i >= 0; --i, x >>= 8)
    at[i] = static_cast<char>(x & 0xff);
}

/// The §3.3 header (timestamp, attempts, ID) of `msg` at `at`.
void put_message_header(char* at, const message_view& msg) {
  put_be(at, static_cast<uint64_t>(msg.timestamp), 8);
  put_be(at + 8, msg.attempts, 2);
  std::copy(msg.id.begin(), msg.id.end(), at + 10);
}

uint64_t read_be(std::string_view in, size_t offset, int bytes) {
  uint64_t x = 0;
  for (int i = 0; i < bytes; ++i)
    x = (x << 8) | static_cast<unsigned char>(in[offset + i]);
  return x;
}

} // namespace

std::string to_string(const message_id& id) {
  return std::string(id.data(), id.size());
}

std::optional<message_id> make_message_id(std::string_view s) {
  message_id id{};
  if (s.size() != id.size())
    return std::nullopt;
  std::copy(s.begin(), s.end(), id.begin());
  return id;
}

void append_message_payload(std::string& out, const message_view& msg) {
  // One append for the header: a byte at a time, each with its capacity
  // check, showed in the consume profile (a frame per delivered message).
  char header[message_header_size];
  put_message_header(header, msg);
  out.reserve(out.size() + message_header_size + msg.body.size());
  out.append(header, sizeof header);
  out += msg.body;
}

void append_message_payload(std::string& out, const message_data& msg,
                            uint16_t attempts) {
  append_message_payload(out, message_view{msg.id, msg.timestamp, attempts, msg.body});
}

void append_message_frame(std::string& out, const message_view& msg) {
  size_t payload = message_header_size + msg.body.size();
  char header[8 + message_header_size];
  put_be(header, 4 + payload, 4);
  put_be(header + 4, static_cast<uint32_t>(frame_type::message), 4);
  put_message_header(header + 8, msg);
  out.reserve(out.size() + 8 + payload);
  out.append(header, sizeof header);
  out += msg.body;
}

void append_message_frame(std::string& out, const message_data& msg, uint16_t attempts) {
  append_message_frame(out, message_view{msg.id, msg.timestamp, attempts, msg.body});
}

std::optional<message_view> view_message_payload(std::string_view payload) {
  if (payload.size() < message_header_size)
    return std::nullopt;
  message_view result;
  result.timestamp = static_cast<int64_t>(read_be(payload, 0, 8));
  result.attempts = static_cast<uint16_t>(read_be(payload, 8, 2));
  std::copy_n(payload.data() + 10, result.id.size(), result.id.begin());
  result.body = payload.substr(message_header_size);
  return result;
}

std::optional<decoded_message> decode_message_payload(std::string_view payload) {
  auto view = view_message_payload(payload);
  if (!view)
    return std::nullopt;
  decoded_message result;
  result.data.id = view->id;
  result.data.timestamp = view->timestamp;
  result.data.body.assign(view->body);
  result.attempts = view->attempts;
  return result;
}

} // namespace nsq
