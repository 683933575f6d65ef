#pragma once

#include "bench/latch.hpp"

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>

namespace bench {

/// What every connection of a run shares with the main thread: the start
/// barrier, the finish line, the message total and the first error.
struct run_state {
  explicit run_state(int64_t connections) : ready(connections), done(connections) {}

  latch ready; ///< counted down once per connection when it may start
  latch done;  ///< counted down once per connection when it has finished
  std::atomic<uint64_t> messages{0};
  std::atomic<bool> failed{false};
  std::atomic<bool> identify_logged{false}; ///< one connection logs its IDENTIFY answer

  /// Remembers the first error and marks the run failed.
  void record_error(const std::string& why) {
    std::lock_guard<std::mutex> guard(mutex_);
    if (!failed.exchange(true))
      first_error_ = why;
  }

  /// Returns the first error recorded.
  std::string first_error() {
    std::lock_guard<std::mutex> guard(mutex_);
    return first_error_;
  }

private:
  std::mutex mutex_;
  std::string first_error_;
};

} // namespace bench
