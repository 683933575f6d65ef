#include "protocol/body_batch.hpp"

namespace nsq {

body_batch body_batch::single(std::string body) {
  auto size = body.size();
  body_batch result{std::move(body)};
  result.add(0, size);
  return result;
}

body_batch body_batch::of(const std::vector<std::string>& bodies) {
  size_t total = 0;
  for (const auto& b : bodies)
    total += b.size();
  std::string buffer;
  buffer.reserve(total);
  for (const auto& b : bodies)
    buffer += b;
  body_batch result{std::move(buffer)};
  result.reserve(bodies.size());
  size_t offset = 0;
  for (const auto& b : bodies) {
    result.add(offset, b.size());
    offset += b.size();
  }
  return result;
}

std::vector<std::string> body_batch::to_strings() const {
  std::vector<std::string> result;
  result.reserve(size());
  for (size_t i = 0; i < size(); ++i)
    result.emplace_back((*this)[i]);
  return result;
}

bool body_batch::spans_inside() const noexcept {
  for (auto s : spans_)
    if ((s >> 32) + (s & 0xffffffffu) > buffer_.size())
      return false;
  return true;
}

void body_batch::clear() noexcept {
  buffer_ = std::string();
  spans_ = std::vector<uint64_t>();
}

} // namespace nsq
