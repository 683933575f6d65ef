#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace nsq {

/// nsqd's log levels, in increasing severity.
enum class log_level { debug, info, warn, error, fatal };

/// Returns the level named `name` (case-insensitive: debug, info, warn,
/// error, fatal), or false when unknown.
bool parse_log_level(std::string_view name, log_level& out);

/// Sets the lowest level that is printed (default: info). Thread-safe.
void set_log_level(log_level level);

/// Returns whether `level` would be printed.
bool log_enabled(log_level level);

/// Sets the text in front of every line (nsqd's --log-prefix, default
/// `[nsqd] `). Thread-safe; applies to lines logged afterwards.
void set_log_prefix(std::string prefix);

/// Returns one line as nsqd's `lg` package prints it (Go's log.Logger with
/// Ldate|Ltime|Lmicroseconds, local time):
/// `<prefix>YYYY/MM/DD HH:MM:SS.micro LEVEL: text\n`.
std::string format_log_line(std::string_view prefix, log_level level,
                            std::chrono::system_clock::time_point when,
                            std::string_view text);

/// Queues one line for stderr and returns at once: a writer thread does the
/// write(2), so a slow or stuck stderr never blocks an actor. When the queue
/// is full the line is dropped and counted; the writer reports the count.
void log_line(log_level level, std::string_view text);

/// Waits until every line queued so far is written, at most `limit` (stderr
/// may be a pipe nobody reads). Returns whether everything was written.
bool log_flush(std::chrono::milliseconds limit = std::chrono::seconds(5));

/// Rate-limits repeated identical lines: the first of a text goes out, the
/// same text again within `window` is only counted, and the next one after
/// the window goes out with ` (N more like this)` appended. Thread-safe;
/// remembers at most `max_texts` texts (then starts over).
class log_throttle {
public:
  using clock = std::chrono::steady_clock;

  explicit log_throttle(std::chrono::milliseconds window = std::chrono::seconds(10),
                        size_t max_texts = 1024)
      : window_(window), max_texts_(max_texts) {}

  /// Returns whether to print `text` at `now`; `out` is the line to print.
  bool admit(std::string_view text, clock::time_point now, std::string& out);

private:
  struct seen {
    clock::time_point last_printed;
    uint64_t suppressed = 0;
  };
  std::chrono::milliseconds window_;
  size_t max_texts_;
  std::mutex mtx_;
  std::unordered_map<std::string, seen> seen_;
};

/// Lines that repeat on every attempt while a disk is failing (`sync
/// failed`): log_line sends them through one process-wide log_throttle.
bool is_repetitive(std::string_view text);

inline void log_debug(std::string_view t) {
  log_line(log_level::debug, t);
}
inline void log_info(std::string_view t) {
  log_line(log_level::info, t);
}
inline void log_warn(std::string_view t) {
  log_line(log_level::warn, t);
}
inline void log_error(std::string_view t) {
  log_line(log_level::error, t);
}

/// Logs a FATAL line and waits for it to reach stderr (the caller exits next).
inline void log_fatal(std::string_view t) {
  log_line(log_level::fatal, t);
  log_flush();
}

} // namespace nsq
