#include "actors/handoff_tracker.hpp"

#include <algorithm>

namespace nsq {

std::vector<uint64_t> handoff_tracker::leave_held(size_t n,
                                                  std::vector<uint64_t>& origins) {
  auto k = std::min(n, held_.size());
  std::vector<uint64_t> out;
  bool leading = true; // origins name a prefix of the batch
  for (size_t i = 0; i < k; ++i) {
    auto& [seq, origin] = held_[i];
    out.push_back(seq);
    leading = leading && origin.has_value();
    if (leading) {
      origins.push_back(origin->file);
      origins.push_back(origin->offset);
    }
  }
  held_.erase(held_.begin(), held_.begin() + k);
  return out;
}

void handoff_tracker::await(const std::vector<uint64_t>& seqs) {
  for (size_t i = 0; i < seqs.size(); ++i)
    awaiting_.emplace_back(forwarded_ + i, seqs[i]);
}

std::vector<uint64_t> handoff_tracker::settle(uint64_t outstanding) {
  std::vector<uint64_t> out;
  auto floor = forwarded_ - std::min(forwarded_, outstanding);
  while (!awaiting_.empty() && awaiting_.front().first < floor) {
    out.push_back(awaiting_.front().second);
    awaiting_.pop_front();
  }
  return out;
}

void handoff_tracker::clear() {
  held_.clear();
  awaiting_.clear();
}

} // namespace nsq
