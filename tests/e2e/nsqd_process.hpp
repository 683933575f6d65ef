#pragma once

#include "e2e/subprocess.hpp"

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace e2e {

/// A private temporary data directory that outlives server restarts (several
/// `nsqd_process`es in turn); removed with everything in it at the end.
class data_dir {
public:
  data_dir() {
    char dir[] = "/tmp/caf-nsqd-e2e-XXXXXX";
    REQUIRE(::mkdtemp(dir) != nullptr);
    path_ = dir;
  }
  data_dir(const data_dir&) = delete;
  data_dir& operator=(const data_dir&) = delete;
  ~data_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  const std::string& path() const { return path_; }

private:
  std::string path_;
};

/// The real caf-nsqd binary listening on a free loopback port. The port is
/// learned from the `TCP: listening on` log line, never guessed.
class nsqd_process {
public:
  explicit nsqd_process(std::vector<std::string> flags = {}) {
    // A private data directory: the server locks its data path, and tests run
    // in parallel.
    char dir[] = "/tmp/caf-nsqd-e2e-XXXXXX";
    REQUIRE(::mkdtemp(dir) != nullptr);
    data_path_ = dir;
    owns_data_path_ = true;
    start(flags, {});
  }

  /// Starts the server on `dir`, which it leaves in place (for a restart).
  /// `prefix` runs before the binary, e.g. `{"/usr/bin/prlimit", "--fsize=N", "--"}`
  /// (prlimit execs the server: same pid).
  nsqd_process(const data_dir& dir, std::vector<std::string> flags,
               std::vector<std::string> prefix = {}) {
    data_path_ = dir.path();
    start(flags, prefix);
  }

  nsqd_process(const nsqd_process&) = delete;
  nsqd_process& operator=(const nsqd_process&) = delete;

  ~nsqd_process() {
    if (!stopped_) {
      proc_->signal(SIGTERM);
      if (!proc_->wait_exit(std::chrono::seconds(5)))
        proc_->signal(SIGKILL);
    }
    proc_.reset(); // reaps the process before its directory goes
    std::error_code ignored;
    if (owns_data_path_)
      std::filesystem::remove_all(data_path_, ignored);
  }

  /// Returns the server's process id.
  pid_t pid() const { return proc_->pid(); }

  /// Returns the data directory.
  const std::string& data_path() const { return data_path_; }

  /// Sends SIGKILL (no chance to persist anything) and reaps the process.
  void kill() {
    stopped_ = true;
    proc_->signal(SIGKILL);
    REQUIRE(proc_->wait_exit(std::chrono::seconds(5)).has_value());
  }

  /// Returns a `kB` field of /proc/<pid>/status (`VmRSS`, `VmHWM`, ...), or
  /// nothing if the process or the field is gone.
  std::optional<long> status_kb(const std::string& field) const {
    std::ifstream in("/proc/" + std::to_string(pid()) + "/status");
    std::string line;
    while (std::getline(in, line))
      if (line.rfind(field + ":", 0) == 0)
        return std::stol(line.substr(field.size() + 1));
    return std::nullopt;
  }

  /// Returns the TCP port the server listens on.
  uint16_t port() const { return port_; }

  /// Returns the HTTP port (0 when HTTP is disabled). The server logs it
  /// before the TCP line, so it is known once the constructor returns.
  uint16_t http_port() const {
    static const std::string marker = "HTTP: listening on 127.0.0.1:";
    auto log = proc_->text();
    auto pos = log.find(marker);
    if (pos == std::string::npos)
      return 0;
    return static_cast<uint16_t>(std::stoul(log.substr(pos + marker.size())));
  }

  /// Returns `127.0.0.1:<port>`.
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  /// Returns the server's stderr so far.
  std::string log() const { return proc_->text(); }

  /// Returns whether `text` appears in the server's stderr within `limit`
  /// (a log line is written by the server's log thread, after the event).
  bool log_has(const std::string& text,
               std::chrono::milliseconds limit = std::chrono::seconds(5)) const {
    return log_count_reaches(text, 1, limit);
  }

  /// Waits (up to `limit`) until `text` occurs at least `times` times in the log.
  bool
  log_count_reaches(const std::string& text, size_t times,
                    std::chrono::milliseconds limit = std::chrono::seconds(5)) const {
    return proc_->wait_for(
        [&](const std::string& log) {
          size_t seen = 0;
          for (auto at = log.find(text); at != std::string::npos && seen < times;
               at = log.find(text, at + text.size()))
            ++seen;
          return seen >= times;
        },
        limit);
  }

  /// Returns whether the process is still running.
  bool running() { return !proc_->wait_exit(std::chrono::milliseconds(0)); }

  /// Sends SIGTERM and returns the exit code; fails the test if the server
  /// does not exit within `limit` (it is then killed).
  int stop(std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    stopped_ = true;
    proc_->signal(SIGTERM);
    auto code = proc_->wait_exit(limit);
    if (!code) {
      proc_->signal(SIGKILL);
      proc_->wait_exit(std::chrono::seconds(5));
      FAIL("caf-nsqd did not exit within " << limit.count() << " ms of SIGTERM; log:\n"
                                           << proc_->text());
    }
    return *code;
  }

private:
  void start(const std::vector<std::string>& flags,
             const std::vector<std::string>& prefix) {
    std::vector<std::string> argv = prefix;
    argv.insert(argv.end(),
                {NSQD_BINARY, "--tcp-address=127.0.0.1:0", "--data-path=" + data_path_});
    // A free HTTP port too (nsqd's default 0.0.0.0:4151 would collide).
    bool http_given = false;
    for (auto& f : flags)
      http_given = http_given || f.rfind("--http-address", 0) == 0;
    if (!http_given)
      argv.push_back("--http-address=127.0.0.1:0");
    argv.insert(argv.end(), flags.begin(), flags.end());
    proc_ = std::make_unique<subprocess>(argv, subprocess::stream::err);
    bool listening =
        proc_->wait_for([this](const std::string& log) { return parse_port(log); },
                        std::chrono::seconds(10));
    if (!listening)
      FAIL("caf-nsqd did not report its TCP port within 10 s; log:\n" << proc_->text());
  }

  /// Finds `TCP: listening on 127.0.0.1:<port>` followed by the end of line.
  bool parse_port(const std::string& log) {
    static const std::string marker = "TCP: listening on 127.0.0.1:";
    auto pos = log.find(marker);
    if (pos == std::string::npos)
      return false;
    pos += marker.size();
    auto end = log.find_first_not_of("0123456789", pos);
    if (end == std::string::npos || end == pos)
      return false; // line not complete yet
    unsigned long value = std::stoul(log.substr(pos, end - pos));
    if (value == 0 || value > 65535)
      return false;
    port_ = static_cast<uint16_t>(value);
    return true;
  }

  std::string data_path_;
  bool owns_data_path_ = false;
  std::unique_ptr<subprocess> proc_;
  uint16_t port_ = 0;
  bool stopped_ = false;
};

} // namespace e2e
