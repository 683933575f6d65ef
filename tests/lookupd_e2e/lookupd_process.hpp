#pragma once

// The real caf-nsqlookupd binary on free loopback ports (learned from its
// `TCP: listening on` / `HTTP: listening on` log lines, never guessed).

#include "e2e/subprocess.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lookupd_e2e {

/// Returns the port after `marker` in `log`, or 0 while the line is incomplete.
inline uint16_t port_after(const std::string& log, const std::string& marker) {
  auto pos = log.find(marker);
  if (pos == std::string::npos)
    return 0;
  pos += marker.size();
  auto end = log.find_first_not_of("0123456789", pos);
  if (end == std::string::npos || end == pos)
    return 0;
  return static_cast<uint16_t>(std::stoul(log.substr(pos, end - pos)));
}

/// Runs the binary with `flags` to completion; returns its exit code and
/// stderr (for startup failures).
inline std::pair<int, std::string> run_to_exit(std::vector<std::string> flags) {
  flags.insert(flags.begin(), CAF_NSQLOOKUPD_BINARY);
  e2e::subprocess p(flags, e2e::subprocess::stream::err);
  auto code = p.wait_exit(std::chrono::seconds(10));
  if (!code)
    FAIL("caf-nsqlookupd did not exit; log:\n" << p.text());
  p.wait_for([](const std::string&) { return false; }, std::chrono::milliseconds(50));
  return {*code, p.text()};
}

class lookupd_process {
public:
  /// Free ports unless `flags` give `--tcp-address` / `--http-address` (a
  /// restart on the ports of an earlier run).
  explicit lookupd_process(std::vector<std::string> flags = {}) {
    std::vector<std::string> argv = {CAF_NSQLOOKUPD_BINARY};
    auto given = [&](const std::string& flag) {
      for (auto& f : flags)
        if (f.rfind(flag, 0) == 0)
          return true;
      return false;
    };
    if (!given("--tcp-address"))
      argv.push_back("--tcp-address=127.0.0.1:0");
    if (!given("--http-address"))
      argv.push_back("--http-address=127.0.0.1:0");
    argv.insert(argv.end(), flags.begin(), flags.end());
    proc_ = std::make_unique<e2e::subprocess>(argv, e2e::subprocess::stream::err);
    bool up = proc_->wait_for(
        [this](const std::string& log) {
          tcp_ = port_after(log, "TCP: listening on 127.0.0.1:");
          http_ = port_after(log, "HTTP: listening on 127.0.0.1:");
          return tcp_ != 0 && http_ != 0;
        },
        std::chrono::seconds(10));
    if (!up)
      FAIL("caf-nsqlookupd did not report its ports; log:\n" << proc_->text());
  }
  ~lookupd_process() {
    proc_->signal(SIGTERM);
    if (!proc_->wait_exit(std::chrono::seconds(5)))
      proc_->signal(SIGKILL);
  }

  pid_t pid() const { return proc_->pid(); }
  uint16_t tcp_port() const { return tcp_; }
  /// `127.0.0.1:<tcp port>`, the form nsqd's `--lookupd-tcp-address` takes.
  std::string tcp_address() const { return "127.0.0.1:" + std::to_string(tcp_); }
  uint16_t http_port() const { return http_; }
  std::string log() const { return proc_->text(); }
  bool running() { return !proc_->wait_exit(std::chrono::milliseconds(0)); }
  /// SIGTERM; returns the exit code (nothing if it did not exit in 5 s).
  std::optional<int> stop() {
    proc_->signal(SIGTERM);
    return proc_->wait_exit(std::chrono::seconds(5));
  }

private:
  std::unique_ptr<e2e::subprocess> proc_;
  uint16_t tcp_ = 0;
  uint16_t http_ = 0;
};

} // namespace lookupd_e2e
