#pragma once

#include "protocol/command.hpp"

#include <cstddef>
#include <utility>
#include <vector>

namespace nsq {

/// The command batches a session has received and not yet run, oldest
/// first. A vector whose capacity is reused: nearly every batch is queued
/// and run at once, so this allocates nothing per batch and nothing for an
/// idle connection (a std::deque holds ~0.6 KB from construction on).
class command_backlog {
public:
  bool empty() const { return head_ == items_.size(); }

  /// The oldest batch. Stays valid until the next push_back or pop_front.
  std::vector<command>& front() { return items_[head_]; }

  void push_back(std::vector<command>&& batch) { items_.push_back(std::move(batch)); }

  void pop_front() {
    items_[head_] = {}; // free the commands now
    if (++head_ == items_.size()) {
      items_.clear();
      head_ = 0;
    } else if (head_ >= compact_after && head_ * 2 >= items_.size()) {
      // A session that stays busy while batches keep coming never runs dry:
      // drop the run-out prefix so it cannot grow without bound.
      items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
      head_ = 0;
    }
  }

private:
  static constexpr size_t compact_after = 32;
  std::vector<std::vector<command>> items_;
  size_t head_ = 0;
};

} // namespace nsq
