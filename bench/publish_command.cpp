#include "bench/publish_command.hpp"

#include "bench/big_endian.hpp"
#include "bench/timestamp_body.hpp"

namespace bench {

publish_command::publish_command(const std::string& topic, int64_t count, int64_t size)
    : count_(count), size_(size) {
  auto body_size = static_cast<size_t>(size);
  std::string body(body_size, 'x');
  if (count == 1) {
    bytes_ = "PUB " + topic + "\n";
    append_be32(bytes_, static_cast<uint32_t>(body_size));
    body_offsets_.push_back(bytes_.size());
    bytes_ += body;
    return;
  }
  bytes_ = "MPUB " + topic + "\n";
  auto total = 4 + static_cast<size_t>(count) * (4 + body_size);
  append_be32(bytes_, static_cast<uint32_t>(total));
  append_be32(bytes_, static_cast<uint32_t>(count));
  for (int64_t i = 0; i < count; ++i) {
    append_be32(bytes_, static_cast<uint32_t>(body_size));
    body_offsets_.push_back(bytes_.size());
    bytes_ += body;
  }
}

void publish_command::stamp(int64_t now_ns) {
  if (static_cast<size_t>(size_) < timestamp_body::min_size)
    return;
  for (auto offset : body_offsets_)
    timestamp_body::stamp(bytes_.data() + offset, now_ns);
}

} // namespace bench
