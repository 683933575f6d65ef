#pragma once

#include <caf/actor_clock.hpp>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace nsq {

/// Deadlines in order, without a node per entry. A consumer's timeout is
/// constant, so its deadlines arrive in order: each arrives at the back of
/// a FIFO lane (a ring buffer) whose last deadline is not later. Only a
/// deadline that fits no lane (more distinct timeouts than lanes) goes to a
/// binary heap. Removal is the owner's business: entries are never erased
/// from the middle; the owner pops them when they reach the front and are
/// stale (lazy deletion), and rebuilds the queue when stale ones pile up.
class deadline_queue {
public:
  using time_point = caf::actor_clock::time_point;

  struct item {
    time_point deadline;
    uint64_t seq; ///< insertion order: breaks ties, identifies the schedule
    uint32_t slot;
  };

  /// Adds `x`; `x.seq` must exceed every seq pushed before.
  void push(const item& x);

  /// The earliest item (ties: lowest seq); the queue must not be empty.
  const item& front() const;

  /// Removes front().
  void pop_front();

  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }

  /// Drops everything; keeps capacity unless `release` is set.
  void clear(bool release = false);

private:
  /// A ring buffer with power-of-two capacity.
  struct lane {
    std::vector<item> buf;
    size_t head = 0;
    size_t count = 0;
    bool empty() const { return count == 0; }
    const item& front() const { return buf[head]; }
    const item& back() const { return buf[(head + count - 1) & (buf.size() - 1)]; }
    void push_back(const item& x);
    void pop_front();
  };

  /// Lanes beyond this go to the heap: each lane costs a look per front().
  static constexpr size_t max_lanes = 8;

  /// Returns the lane holding the front, or max_lanes for the heap.
  size_t front_source() const;

  std::vector<lane> lanes_;
  std::vector<item> heap_; ///< min-heap by (deadline, seq)
  size_t size_ = 0;
};

} // namespace nsq
