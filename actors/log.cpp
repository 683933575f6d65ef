#include "actors/log.hpp"

#include <atomic>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <ctime>
#include <deque>
#include <mutex>
#include <thread>
#include <unistd.h>
#include <utility>

namespace nsq {

namespace {

std::atomic<int> min_level{static_cast<int>(log_level::info)};

/// Lines waiting for the writer. A burst beyond this many is dropped rather
/// than held in memory or allowed to stall the actor that logs it.
constexpr size_t max_queued_lines = 8192;

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

/// Writes `text` whole to stderr, retrying partial writes; gives up on error
/// (there is nowhere left to report it).
void write_all(const std::string& text) {
  size_t done = 0;
  while (done < text.size()) {
    auto n = ::write(STDERR_FILENO, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return;
    done += static_cast<size_t>(n);
  }
}

/// The queue between loggers and the writer thread. The mutex only guards a
/// push or a swap of the deque: it is never held during write(2).
class log_sink {
public:
  void push(log_level level, std::string_view text) {
    // Formatted outside the lock; the writer puts the prefix in front.
    auto line = format_log_line({}, level, std::chrono::system_clock::now(), text);
    std::unique_lock<std::mutex> guard{mtx_};
    if (queue_.size() >= max_queued_lines) {
      ++dropped_;
      return;
    }
    queue_.push_back(std::move(line));
    ++queued_;
    start_writer();
    guard.unlock();
    wake_.notify_one();
  }

  /// The writer adds the prefix, so lines queued before are written first.
  void set_prefix(std::string prefix) {
    flush(std::chrono::seconds(1));
    std::lock_guard<std::mutex> guard{mtx_};
    prefix_ = std::move(prefix);
  }

  bool flush(std::chrono::milliseconds limit) {
    std::unique_lock<std::mutex> guard{mtx_};
    auto target = queued_;
    return written_cv_.wait_for(guard, limit, [&] { return written_ >= target; });
  }

private:
  /// Starts the writer on first use; detached because it may be stuck in
  /// write(2) on a full pipe when the process exits.
  void start_writer() {
    if (started_)
      return;
    started_ = true;
    std::thread([this] { run(); }).detach();
  }

  void run() {
    std::deque<std::string> batch;
    std::unique_lock<std::mutex> guard{mtx_};
    for (;;) {
      wake_.wait(guard, [&] { return !queue_.empty(); });
      batch.swap(queue_);
      auto dropped = std::exchange(dropped_, 0);
      auto prefix = prefix_;
      guard.unlock();
      write_batch(batch, dropped, prefix);
      guard.lock();
      written_ += batch.size();
      batch.clear();
      written_cv_.notify_all();
    }
  }

  /// Writes the batch in few syscalls, each chunk ending at a line boundary.
  static void write_batch(const std::deque<std::string>& batch, uint64_t dropped,
                          const std::string& prefix) {
    std::string chunk;
    if (dropped > 0)
      chunk = format_log_line(prefix, log_level::warn, std::chrono::system_clock::now(),
                              "LOG: dropped " + std::to_string(dropped) +
                                  " lines (stderr too slow)");
    for (auto& line : batch) {
      if (chunk.size() + prefix.size() + line.size() > 65536) {
        write_all(chunk);
        chunk.clear();
      }
      chunk += prefix;
      chunk += line;
    }
    write_all(chunk);
  }

  std::mutex mtx_;
  std::condition_variable wake_;
  std::condition_variable written_cv_;
  std::deque<std::string> queue_;
  std::string prefix_ = "[nsqd] ";
  uint64_t dropped_ = 0;
  uint64_t queued_ = 0;
  uint64_t written_ = 0;
  bool started_ = false;
};

/// Never destroyed: the detached writer and late loggers (static destructors,
/// other threads at exit) may still use it.
log_sink& sink() {
  static auto* instance = new log_sink;
  return *instance;
}

} // namespace

bool parse_log_level(std::string_view name, log_level& out) {
  std::string lower;
  for (char c : name)
    lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  static constexpr std::pair<const char*, log_level> names[] = {
      {"debug", log_level::debug},
      {"info", log_level::info},
      {"warn", log_level::warn},
      {"error", log_level::error},
      {"fatal", log_level::fatal}};
  for (auto& [n, l] : names)
    if (lower == n) {
      out = l;
      return true;
    }
  return false;
}

void set_log_level(log_level level) {
  min_level = static_cast<int>(level);
}

bool log_enabled(log_level level) {
  return static_cast<int>(level) >= min_level.load();
}

void set_log_prefix(std::string prefix) {
  sink().set_prefix(std::move(prefix));
}

std::string format_log_line(std::string_view prefix, log_level level,
                            std::chrono::system_clock::time_point when,
                            std::string_view text) {
  using namespace std::chrono;
  auto secs = system_clock::to_time_t(when);
  auto micros = duration_cast<microseconds>(when.time_since_epoch()).count() % 1000000;
  std::tm tm{};
  localtime_r(&secs, &tm);
  char stamp[64];
  auto n = std::snprintf(stamp, sizeof(stamp),
                         "%04d/%02d/%02d %02d:%02d:%02d.%06lld %s: ", tm.tm_year + 1900,
                         tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                         static_cast<long long>(micros), level_name(level));
  std::string line;
  line.reserve(prefix.size() + static_cast<size_t>(n) + text.size() + 1);
  line.append(prefix.data(), prefix.size());
  line.append(stamp, static_cast<size_t>(n));
  line.append(text.data(), text.size());
  // Go's log.Logger adds the newline only when the text lacks one.
  if (text.empty() || text.back() != '\n')
    line.push_back('\n');
  return line;
}

bool log_throttle::admit(std::string_view text, clock::time_point now, std::string& out) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto it = seen_.find(std::string(text));
  if (it == seen_.end()) {
    if (seen_.size() >= max_texts_)
      seen_.clear();
    seen_.emplace(std::string(text), seen{now, 0});
    out = std::string(text);
    return true;
  }
  auto& s = it->second;
  if (now - s.last_printed < window_) {
    ++s.suppressed;
    return false;
  }
  out = std::string(text);
  if (s.suppressed > 0)
    out += " (" + std::to_string(s.suppressed) + " more like this)";
  s.last_printed = now;
  s.suppressed = 0;
  return true;
}

bool is_repetitive(std::string_view text) {
  return text.find("sync failed") != std::string_view::npos;
}

void log_line(log_level level, std::string_view text) {
  if (!log_enabled(level))
    return;
  if (is_repetitive(text)) {
    static log_throttle throttle;
    std::string line;
    if (throttle.admit(text, log_throttle::clock::now(), line))
      sink().push(level, line);
    return;
  }
  sink().push(level, text);
}

bool log_flush(std::chrono::milliseconds limit) {
  return sink().flush(limit);
}

} // namespace nsq
