#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace bench {

/// A prebuilt PUB (one body) or MPUB (several) command whose bodies can be
/// re-stamped with the send time without rebuilding it.
class publish_command {
public:
  /// `count` bodies of `size` bytes for `topic`.
  publish_command(const std::string& topic, int64_t count, int64_t size);

  /// Writes the send time into every body (bodies of ≥ 12 bytes only).
  void stamp(int64_t now_ns);

  const std::string& bytes() const { return bytes_; }
  int64_t count() const { return count_; }

private:
  std::string bytes_;
  std::vector<size_t> body_offsets_;
  int64_t count_;
  int64_t size_;
};

} // namespace bench
