#include "bench/report.hpp"

#include "bench/go_duration.hpp"

#include <cstdio>
#include <ctime>

namespace bench {

void log_line(const std::string& prefix, const std::string& line) {
  std::time_t now = std::time(nullptr);
  std::tm local{};
  ::localtime_r(&now, &local);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y/%m/%d %H:%M:%S", &local);
  std::fprintf(stderr, "%s %s %s\n", prefix.c_str(), stamp, line.c_str());
  std::fflush(stderr);
}

std::string closing_line(std::chrono::nanoseconds duration, uint64_t messages,
                         int64_t size) {
  double seconds = std::chrono::duration<double>(duration).count();
  auto whole_us = std::chrono::duration_cast<std::chrono::microseconds>(duration).count();
  auto n = static_cast<double>(messages);
  // Go divides by zero into +Inf/NaN; print the same rather than crash.
  double mbps = n * static_cast<double>(size) / seconds / 1024 / 1024;
  double ops = n / seconds;
  double us_per_op = static_cast<double>(whole_us) / n;
  char text[256];
  std::snprintf(text, sizeof text, "duration: %s - %.03fmb/s - %.03fops/s - %.03fus/op",
                go_duration_string(duration).c_str(), mbps, ops, us_per_op);
  return text;
}

} // namespace bench
