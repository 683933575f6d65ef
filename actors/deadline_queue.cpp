#include "actors/deadline_queue.hpp"

#include <algorithm>

namespace nsq {

namespace {

bool earlier(const deadline_queue::item& a, const deadline_queue::item& b) {
  return a.deadline < b.deadline || (a.deadline == b.deadline && a.seq < b.seq);
}

/// Heap order for std::push_heap & co.: the earliest item on top.
bool later(const deadline_queue::item& a, const deadline_queue::item& b) {
  return earlier(b, a);
}

} // namespace

void deadline_queue::lane::push_back(const item& x) {
  if (count == buf.size()) { // full: unroll into a buffer twice the size
    std::vector<item> bigger(std::max<size_t>(16, buf.size() * 2));
    for (size_t i = 0; i < count; ++i)
      bigger[i] = buf[(head + i) & (buf.size() - 1)];
    buf.swap(bigger);
    head = 0;
  }
  buf[(head + count) & (buf.size() - 1)] = x;
  ++count;
}

void deadline_queue::lane::pop_front() {
  head = (head + 1) & (buf.size() - 1);
  --count;
}

void deadline_queue::push(const item& x) {
  ++size_;
  for (auto& l : lanes_) {
    if (l.empty() || !earlier(x, l.back())) {
      l.push_back(x);
      return;
    }
  }
  if (lanes_.size() < max_lanes) {
    lanes_.emplace_back();
    lanes_.back().push_back(x);
    return;
  }
  heap_.push_back(x);
  std::push_heap(heap_.begin(), heap_.end(), later);
}

size_t deadline_queue::front_source() const {
  size_t best = max_lanes;
  const item* min = heap_.empty() ? nullptr : &heap_.front();
  for (size_t i = 0; i < lanes_.size(); ++i) {
    auto& l = lanes_[i];
    if (!l.empty() && (min == nullptr || earlier(l.front(), *min))) {
      min = &l.front();
      best = i;
    }
  }
  return best;
}

const deadline_queue::item& deadline_queue::front() const {
  auto src = front_source();
  return src == max_lanes ? heap_.front() : lanes_[src].front();
}

void deadline_queue::pop_front() {
  auto src = front_source();
  --size_;
  if (src != max_lanes) {
    lanes_[src].pop_front();
    return;
  }
  std::pop_heap(heap_.begin(), heap_.end(), later);
  heap_.pop_back();
}

void deadline_queue::clear(bool release) {
  size_ = 0;
  if (release) {
    lanes_ = {};
    heap_ = {};
    return;
  }
  for (auto& l : lanes_) {
    l.head = 0;
    l.count = 0;
  }
  heap_.clear();
}

} // namespace nsq
