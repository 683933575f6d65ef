#include "actors/output_buffer.hpp"

#include <algorithm>
#include <utility>

namespace nsq {

namespace {

constexpr size_t max_reserve = 64 * 1024;

} // namespace

std::string output_buffer::take() {
  std::string out;
  out.swap(data_);
  // The connection keeps the old storage; start the next batch at a similar
  // size instead of growing it again from nothing.
  data_.reserve(std::min(out.size(), max_reserve));
  return out;
}

} // namespace nsq
