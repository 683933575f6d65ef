#include "app/id_lease.hpp"

#include "actors/log.hpp"
#include "protocol/id_generator.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>

namespace nsq {

namespace {

constexpr int64_t ticks_of_ms(int64_t ms) {
  return (ms * 1000000) >> 20;
}

} // namespace

int64_t clock_tick() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
             .count() >>
         20;
}

int64_t id_lease::read_tick(const std::string& path) {
  std::ifstream in(path);
  int64_t tick = -1;
  if (!(in >> tick) || tick < 0)
    return -1;
  return tick;
}

std::string id_lease::write(int64_t tick) {
  // Write, fsync, rename: a crash leaves the old lease or the new one.
  auto tmp = path_ + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    return "open " + tmp + ": " + std::strerror(errno);
  auto text = std::to_string(tick) + "\n";
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) &&
            ::fsync(fd) == 0;
  int err = errno;
  ::close(fd);
  if (!ok)
    return "write " + tmp + ": " + std::strerror(err);
  if (::rename(tmp.c_str(), path_.c_str()) != 0)
    return "rename " + tmp + ": " + std::strerror(errno);
  return "";
}

std::string id_lease::start(const std::string& dir) {
  path_ = (dir.empty() ? std::string(".") : dir) + "/caf-nsqd.idlease";
  auto now = clock_tick();
  auto leased = read_tick(path_);
  floor_ = std::max(now, leased);
  if (leased > now)
    log_warn("message IDs: the clock is behind the ID lease of the last run by " +
             std::to_string(((leased - now) << 20) / 1000000) +
             " ms; new IDs continue above the lease");
  id_generator::set_id_floor(floor_);
  return write(floor_ + ticks_of_ms(ahead_ms));
}

void id_lease::keep_renewing() {
  renewer_ = std::thread([this] {
    int64_t lease = floor_ + ticks_of_ms(ahead_ms);
    std::unique_lock<std::mutex> lk(mtx_);
    while (!cv_.wait_for(lk, std::chrono::milliseconds(renew_ms),
                         [this] { return stop_; })) {
      // Never moves back: a clock stepped back keeps the old lease.
      // At least as fast as time passes, even while the clock is behind the
      // floor (the generators then borrow ticks above it).
      auto next =
          std::max(lease + ticks_of_ms(renew_ms), clock_tick() + ticks_of_ms(ahead_ms));
      if (next == lease)
        continue;
      if (auto err = write(next); !err.empty()) {
        log_warn("message IDs: renewing the ID lease failed - " + err);
        continue;
      }
      lease = next;
    }
  });
}

id_lease::~id_lease() {
  {
    std::lock_guard<std::mutex> lk(mtx_);
    stop_ = true;
  }
  cv_.notify_all();
  if (renewer_.joinable())
    renewer_.join();
}

} // namespace nsq
