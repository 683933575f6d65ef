#include "actors/confirm_window.hpp"

namespace nsq {

uint64_t confirm_window::add(uint64_t n) {
  auto first = base_ + done_.size();
  done_.insert(done_.end(), n, false);
  return first;
}

uint64_t confirm_window::confirm(const std::vector<uint64_t>& seqs) {
  for (auto seq : seqs)
    if (seq >= base_ && seq - base_ < done_.size())
      done_[seq - base_] = true;
  uint64_t released = 0;
  while (!done_.empty() && done_.front()) {
    done_.pop_front();
    ++base_;
    ++released;
  }
  return released;
}

uint64_t confirm_window::confirm_below(uint64_t end) {
  for (uint64_t seq = base_; seq < end && seq - base_ < done_.size(); ++seq)
    done_[seq - base_] = true;
  return confirm({});
}

void confirm_window::clear() {
  base_ += done_.size();
  done_.clear();
}

} // namespace nsq
