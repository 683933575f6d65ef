#include "actors/output_buffer.hpp"

#include <algorithm>
#include <utility>

namespace nsq {

namespace {

constexpr size_t max_reserve = 64 * 1024;

} // namespace

void output_buffer::append_whole(std::string frames) {
  if (frames.empty())
    return;
  if (!data_.empty()) {
    whole_bytes_ += data_.size();
    whole_.push_back(std::move(data_));
    data_ = std::string{};
  }
  whole_bytes_ += frames.size();
  whole_.push_back(std::move(frames));
}

std::string output_buffer::take_data() {
  std::string out;
  out.swap(data_);
  // The connection keeps the old storage; start the next batch at a similar
  // size instead of growing it again from nothing.
  data_.reserve(std::min(out.size(), max_reserve));
  return out;
}

} // namespace nsq
