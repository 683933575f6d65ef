#pragma once

#include <chrono>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>

namespace bench {

/// A body that carries its send time for end-to-end latency: the marker
/// `NSQT`, then CLOCK_MONOTONIC nanoseconds as 8 little-endian bytes (the
/// clock is system wide, so writer and reader processes agree), then filler.
namespace timestamp_body {

inline constexpr std::string_view marker = "NSQT";
inline constexpr size_t min_size = 12;

/// Returns the current CLOCK_MONOTONIC time in nanoseconds.
inline int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// Writes the marker and `ns` at `body` (which has at least min_size bytes).
inline void stamp(char* body, int64_t ns) {
  std::memcpy(body, marker.data(), marker.size());
  auto u = static_cast<uint64_t>(ns);
  for (int i = 0; i < 8; ++i)
    body[marker.size() + static_cast<size_t>(i)] =
        static_cast<char>((u >> (8 * i)) & 0xff);
}

/// Returns the send time in `body`, if it carries one.
inline std::optional<int64_t> read(std::string_view body) {
  if (body.size() < min_size || body.substr(0, marker.size()) != marker)
    return std::nullopt;
  uint64_t u = 0;
  for (int i = 7; i >= 0; --i)
    u = (u << 8) |
        static_cast<unsigned char>(body[marker.size() + static_cast<size_t>(i)]);
  return static_cast<int64_t>(u);
}

} // namespace timestamp_body

} // namespace bench
