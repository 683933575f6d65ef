#include "protocol/http_publish.hpp"

#include <charconv>

namespace nsq {

namespace {

http_error too_big(const char* what) {
  return http_error{413, what};
}

/// Reads a big-endian u32 at `pos` as nsqd does (then used as a signed int32).
int32_t read_i32(std::string_view in, size_t pos) {
  uint32_t x = 0;
  for (size_t i = 0; i < 4; ++i)
    x = (x << 8) | static_cast<unsigned char>(in[pos + i]);
  return static_cast<int32_t>(x);
}

} // namespace

http_bodies split_mpub_text(std::string body, const settings& cfg) {
  if (static_cast<int64_t>(body.size()) > cfg.max_body_size)
    return too_big("BODY_TOO_BIG");
  body_batch out{std::move(body)};
  std::string_view all = out.buffer();
  for (size_t pos = 0; pos < all.size();) {
    auto nl = all.find('\n', pos);
    auto end = nl == std::string_view::npos ? all.size() : nl;
    if (end > pos && static_cast<int64_t>(end - pos) > cfg.max_msg_size)
      return too_big("MSG_TOO_BIG");
    if (end > pos)
      out.add(pos, end - pos); // empty lines are skipped
    pos = end + 1;
  }
  return out;
}

http_bodies split_mpub_binary(std::string body, const settings& cfg) {
  if (body.size() < 4)
    return too_big("BAD_BODY");
  body_batch out{std::move(body)};
  std::string_view all = out.buffer();
  int32_t count = read_i32(all, 0);
  if (count <= 0 || count > cfg.max_mpub_count())
    return too_big("BAD_BODY");
  // Every element takes at least 5 bytes: the count alone never sizes the vector.
  out.reserve(std::min<size_t>(static_cast<size_t>(count), all.size() / 5));
  size_t pos = 4;
  for (int32_t i = 0; i < count; ++i) {
    if (all.size() - pos < 4)
      return too_big("BAD_MESSAGE");
    int32_t size = read_i32(all, pos);
    pos += 4;
    if (size <= 0 || size > cfg.max_msg_size ||
        all.size() - pos < static_cast<size_t>(size))
      return too_big("BAD_MESSAGE");
    out.add(pos, static_cast<size_t>(size));
    pos += static_cast<size_t>(size);
  }
  return out;
}

bool mpub_binary_mode(const std::string* value) {
  if (value == nullptr)
    return false;
  return !(*value == "false" || *value == "0");
}

std::variant<int64_t, http_error> parse_http_defer(const std::string& value,
                                                   const settings& cfg) {
  const http_error invalid{400, "INVALID_DEFER"};
  std::string_view text = value;
  if (!text.empty() && text.front() == '+')
    text.remove_prefix(1); // Go's ParseInt takes a leading '+'
  int64_t ms = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), ms);
  if (text.empty() || ec != std::errc{} || end != text.data() + text.size())
    return invalid;
  if (ms < 0 || ms > cfg.max_req_timeout.count())
    return invalid;
  return ms;
}

} // namespace nsq
