#include "bench/progress.hpp"

#include <cstdio>
#include <unistd.h>

namespace bench {

progress::progress(bool enabled, std::function<std::string()> line)
    : line_(std::move(line)) {
  if (enabled && ::isatty(STDERR_FILENO) == 1)
    thread_ = std::thread([this] { loop(); });
}

progress::~progress() {
  stop();
}

void progress::stop() {
  {
    std::lock_guard<std::mutex> guard(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
  }
}

void progress::loop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, std::chrono::seconds(1), [this] { return stopping_; })) {
    auto text = line_();
    std::fprintf(stderr, "\r\033[K%s", text.c_str());
    std::fflush(stderr);
  }
}

std::string progress_text(uint64_t total, uint64_t last_total,
                          std::chrono::steady_clock::duration interval,
                          std::chrono::steady_clock::duration elapsed) {
  using seconds = std::chrono::duration<double>;
  double dt = seconds(interval).count();
  double rate = dt > 0 ? static_cast<double>(total - last_total) / dt : 0.0;
  char text[160];
  std::snprintf(text, sizeof text, "%.1fs  %llu msgs  %.0f msg/s",
                seconds(elapsed).count(), static_cast<unsigned long long>(total), rate);
  return text;
}

} // namespace bench
