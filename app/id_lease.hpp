#pragma once

// Message IDs unique across restarts (docs/architecture.md, "Where we
// differ from nsqd"): the data path keeps a lease on ID ticks
// (`<data-path>/caf-nsqd.idlease`, one decimal tick = unix_ns >> 20). Every
// ID this process issues has a tick below the lease, which a thread renews
// ahead of the clock; at start, generators begin above max(clock, lease),
// so a clock stepped back across a restart (or a crash) cannot repeat an ID
// of a message still on disk.

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace nsq {

class id_lease {
public:
  /// How far ahead of the clock the lease reaches, and how often it is renewed.
  static constexpr int64_t ahead_ms = 10000;
  static constexpr int64_t renew_ms = 2000;

  id_lease() = default;
  ~id_lease();
  id_lease(const id_lease&) = delete;
  id_lease& operator=(const id_lease&) = delete;

  /// Reads the lease in `dir`, sets id_generator's floor to max(clock, lease)
  /// and writes a new lease ahead of that. Returns "" or the failure text
  /// (a missing or unreadable file is not a failure: the clock is the floor).
  std::string start(const std::string& dir);

  /// Renews the lease every renew_ms on a thread of its own until destroyed.
  void keep_renewing();

  /// The tick stored in `path`, or -1.
  static int64_t read_tick(const std::string& path);

private:
  std::string write(int64_t tick);

  std::string path_;
  int64_t floor_ = -1;
  std::mutex mtx_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread renewer_;
};

/// The current tick of the wall clock (unix_ns >> 20).
int64_t clock_tick();

} // namespace nsq
