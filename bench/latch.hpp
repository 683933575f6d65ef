#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

namespace bench {

/// A count-down latch (C++17 has none) whose wait is always bounded.
class latch {
public:
  explicit latch(int64_t count) : count_(count) {}

  void count_down() {
    std::lock_guard<std::mutex> guard(mutex_);
    if (count_ > 0 && --count_ == 0)
      done_.notify_all();
  }

  /// Opens the latch at once (e.g. a message limit was reached).
  void release() {
    std::lock_guard<std::mutex> guard(mutex_);
    count_ = 0;
    done_.notify_all();
  }

  /// Returns whether the count reached zero within `limit`.
  template <class Duration> bool wait_for(Duration limit) {
    std::unique_lock<std::mutex> lock(mutex_);
    return done_.wait_for(lock, limit, [this] { return count_ == 0; });
  }

private:
  std::mutex mutex_;
  std::condition_variable done_;
  int64_t count_;
};

} // namespace bench
