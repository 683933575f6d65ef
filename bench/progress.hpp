#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

namespace bench {

/// A live progress line on stderr, rewritten every second — only when stderr
/// is a terminal, so logs and scripts see nothing but the closing lines.
class progress {
public:
  /// `line` returns the text to show; it is called on the progress thread.
  progress(bool enabled, std::function<std::string()> line);
  ~progress();

  progress(const progress&) = delete;
  progress& operator=(const progress&) = delete;

  /// Stops updating and clears the line.
  void stop();

private:
  void loop();

  std::function<std::string()> line_;
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

/// Returns "<n> msgs  <rate> msg/s  <elapsed>s", the usual progress text.
std::string progress_text(uint64_t total, uint64_t last_total,
                          std::chrono::steady_clock::duration interval,
                          std::chrono::steady_clock::duration elapsed);

} // namespace bench
