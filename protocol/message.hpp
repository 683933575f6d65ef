#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nsq {

/// 16 ASCII bytes (lowercase hex as nsqd generates them; clients may send any
/// 16 bytes in FIN/REQ/TOUCH, which are looked up as opaque tokens).
using message_id = std::array<char, 16>;

/// Returns the 16 bytes as a string.
std::string to_string(const message_id& id);

/// Returns the ID made of `s`, or nothing if `s` is not exactly 16 bytes.
std::optional<message_id> make_message_id(std::string_view s);

/// The immutable part of a message, shared by every channel that holds it.
/// Attempts are per channel and travel beside it.
struct message_data {
  message_id id{};
  int64_t timestamp = 0; ///< Unix nanoseconds when the broker accepted it
  std::string body;
};

/// 8 bytes timestamp + 2 bytes attempts + 16 bytes ID (reference §3.3).
inline constexpr size_t message_header_size = 26;

/// Appends a complete message frame (size, type 2, header, body).
void append_message_frame(std::string& out, const message_data& msg, uint16_t attempts);

/// Appends the message serialisation of §3.3 (no frame header): the record
/// payload of the disk queue.
void append_message_payload(std::string& out, const message_data& msg, uint16_t attempts);

/// A message read back from a §3.3 payload.
struct decoded_message {
  message_data data;
  uint16_t attempts = 0;
};

/// Returns the message in `payload`, or nothing if it is shorter than the header.
std::optional<decoded_message> decode_message_payload(std::string_view payload);

/// A §3.3 payload read in place: `body` points into the payload, so a reader
/// that copies the body elsewhere anyway allocates nothing for it.
struct message_view {
  message_id id{};
  int64_t timestamp = 0;
  uint16_t attempts = 0;
  std::string_view body;
};

/// Returns the message in `payload` as views into it, or nothing if it is
/// shorter than the header.
std::optional<message_view> view_message_payload(std::string_view payload);

/// Appends a complete message frame of `msg` (size, type 2, header, body).
void append_message_frame(std::string& out, const message_view& msg);

/// Appends the §3.3 payload of a message given as views (its attempts included).
void append_message_payload(std::string& out, const message_view& msg);

} // namespace nsq
