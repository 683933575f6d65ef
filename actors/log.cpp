#include "actors/log.hpp"

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <unistd.h>

namespace nsq {

namespace {

std::atomic<int> min_level{static_cast<int>(log_level::info)};

const char* level_name(log_level level) {
  switch (level) {
    case log_level::debug:
      return "DEBUG";
    case log_level::info:
      return "INFO";
    case log_level::warn:
      return "WARNING";
    case log_level::error:
      return "ERROR";
    default:
      return "FATAL";
  }
}

} // namespace

bool parse_log_level(std::string_view name, log_level& out) {
  std::string lower;
  for (char c : name)
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  static constexpr std::pair<const char*, log_level> names[] = {
    {"debug", log_level::debug}, {"info", log_level::info}, {"warn", log_level::warn},
    {"error", log_level::error}, {"fatal", log_level::fatal}};
  for (auto& [n, l] : names)
    if (lower == n) {
      out = l;
      return true;
    }
  return false;
}

void set_log_level(log_level level) { min_level = static_cast<int>(level); }

bool log_enabled(log_level level) { return static_cast<int>(level) >= min_level.load(); }

void log_line(log_level level, std::string_view text) {
  if (!log_enabled(level))
    return;
  using namespace std::chrono;
  auto now = system_clock::now();
  auto secs = system_clock::to_time_t(now);
  auto micros = duration_cast<microseconds>(now.time_since_epoch()).count() % 1000000;
  std::tm tm{};
  localtime_r(&secs, &tm);
  char stamp[64];
  auto n = std::snprintf(stamp, sizeof(stamp), "[nsqd] %04d/%02d/%02d %02d:%02d:%02d.%06lld %s: ",
                         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
                         tm.tm_sec, static_cast<long long>(micros), level_name(level));
  std::string line(stamp, static_cast<size_t>(n));
  line.append(text.data(), text.size());
  line.push_back('\n');
  // One write() per line keeps lines from different threads whole.
  auto rc = ::write(STDERR_FILENO, line.data(), line.size());
  (void)rc;
}

} // namespace nsq
