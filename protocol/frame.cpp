#include "protocol/frame.hpp"

namespace nsq {

namespace {

void append_be32(std::string& out, uint32_t x) {
  out += static_cast<char>((x >> 24) & 0xff);
  out += static_cast<char>((x >> 16) & 0xff);
  out += static_cast<char>((x >> 8) & 0xff);
  out += static_cast<char>(x & 0xff);
}

uint32_t read_be32(const char* p) {
  auto b = [p](int i) { return static_cast<uint32_t>(static_cast<unsigned char>(p[i])); };
  return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}

/// Compacting only once the consumed prefix dominates keeps next() amortised O(1).
constexpr size_t compact_threshold = 64 * 1024;

} // namespace

void append_frame(std::string& out, frame_type type, std::string_view data) {
  out.reserve(out.size() + 8 + data.size());
  append_be32(out, static_cast<uint32_t>(4 + data.size()));
  append_be32(out, static_cast<uint32_t>(type));
  out.append(data.data(), data.size());
}

std::string make_frame(frame_type type, std::string_view data) {
  std::string out;
  append_frame(out, type, data);
  return out;
}

std::optional<frame> frame_reader::next() {
  if (failed_)
    return std::nullopt;
  size_t available = buffer_.size() - offset_;
  if (available < 4)
    return std::nullopt;
  const char* head = buffer_.data() + offset_;
  uint32_t size = read_be32(head);
  if (size < 4 || size > max_frame_size_) {
    failed_ = true;
    return std::nullopt;
  }
  if (available < 4 + static_cast<size_t>(size))
    return std::nullopt;
  uint32_t type = read_be32(head + 4);
  if (type > static_cast<uint32_t>(frame_type::message)) {
    failed_ = true;
    return std::nullopt;
  }
  frame result;
  result.type = static_cast<frame_type>(type);
  result.data.assign(head + 8, size - 4);
  offset_ += 4 + size;
  if (offset_ == buffer_.size()) {
    buffer_.clear();
    offset_ = 0;
  } else if (offset_ >= compact_threshold && offset_ * 2 >= buffer_.size()) {
    buffer_.erase(0, offset_);
    offset_ = 0;
  }
  return result;
}

} // namespace nsq
