#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nsq {

/// Server → client frame types (reference §3.2).
enum class frame_type : int32_t { response = 0, error = 1, message = 2 };

/// Appends `[size BE][type BE][data]` with size = 4 + data.size().
void append_frame(std::string& out, frame_type type, std::string_view data);

/// Returns one encoded frame.
std::string make_frame(frame_type type, std::string_view data);

/// A decoded frame (used by clients: examples, tests, the benchmark).
struct frame {
  frame_type type = frame_type::response;
  std::string data;
};

/// Incremental decoder of server → client frames, for client code.
class frame_reader {
public:
  /// `max_frame_size` bounds what one frame may announce.
  explicit frame_reader(size_t max_frame_size = 64 * 1024 * 1024)
    : max_frame_size_(max_frame_size) {}

  void feed(std::string_view bytes) { buffer_.append(bytes.data(), bytes.size()); }

  /// Returns the next complete frame, if any. Sets failed() on a malformed one.
  std::optional<frame> next();

  bool failed() const { return failed_; }

private:
  std::string buffer_;
  size_t offset_ = 0;
  size_t max_frame_size_;
  bool failed_ = false;
};

} // namespace nsq
