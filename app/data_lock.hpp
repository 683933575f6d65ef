#pragma once

#include <string>

namespace nsq {

/// An exclusive flock on the data directory, held for the process's life, so
/// two brokers never share one data path (nsqd's dirlock).
class data_lock {
public:
  data_lock() = default;
  ~data_lock();
  data_lock(const data_lock&) = delete;
  data_lock& operator=(const data_lock&) = delete;

  /// Locks `dir` ("" = the current directory). Returns "" on success, else
  /// the text nsqd puts after `failed to instantiate nsqd - `.
  std::string acquire(const std::string& dir);

private:
  int fd_ = -1;
};

} // namespace nsq
