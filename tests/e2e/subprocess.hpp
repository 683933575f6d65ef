#pragma once

#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <csignal>
#include <fcntl.h>
#include <functional>
#include <mutex>
#include <optional>
#include <spawn.h>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace e2e {

/// A child process whose stdout or stderr is captured through a pipe. A thread
/// drains the pipe all the time so the child never blocks on a full pipe.
class subprocess {
public:
  enum class stream { out, err };

  subprocess(const std::vector<std::string>& argv, stream captured) {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    // dup2 clears FD_CLOEXEC on the target, so only the child's 1 or 2 survives.
    posix_spawn_file_actions_adddup2(&actions, fds[1], captured == stream::out ? 1 : 2);
    std::vector<char*> args;
    for (auto& arg : argv)
      args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    int rc = ::posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    if (rc != 0) {
      ::close(fds[0]);
      FAIL("posix_spawn " << argv[0] << " failed: " << rc);
    }
    fd_ = fds[0];
    reader_ = std::thread([this] { drain(); });
  }

  subprocess(const subprocess&) = delete;
  subprocess& operator=(const subprocess&) = delete;

  ~subprocess() {
    if (!status_) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
    }
    if (reader_.joinable())
      reader_.join();
    ::close(fd_);
  }

  /// Returns the process id.
  pid_t pid() const { return pid_; }

  /// Returns everything captured so far.
  std::string text() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return text_;
  }

  /// Waits until `done(text)` holds or the pipe reaches EOF or `timeout`
  /// passes; returns whether `done` held.
  bool wait_for(const std::function<bool(const std::string&)>& done,
                std::chrono::milliseconds timeout) {
    std::unique_lock<std::mutex> guard{mtx_};
    cv_.wait_for(guard, timeout, [&] { return done(text_) || eof_; });
    return done(text_);
  }

  /// Sends a signal unless the process has already been reaped.
  void signal(int sig) {
    if (!status_)
      ::kill(pid_, sig);
  }

  /// Waits up to `timeout` for the process to exit, then for the rest of its
  /// output; returns its exit code (128 + signal number when killed by a
  /// signal), or nothing on timeout.
  std::optional<int> wait_exit(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!status_) {
      int status = 0;
      pid_t rc = ::waitpid(pid_, &status, WNOHANG);
      if (rc == pid_) {
        status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        // The pipe can still hold the child's last lines: a caller reads
        // text() next and must see them. EOF follows the exit at once.
        std::unique_lock<std::mutex> guard{mtx_};
        cv_.wait_for(guard, std::chrono::seconds(5), [&] { return eof_; });
        break;
      }
      if (std::chrono::steady_clock::now() >= deadline)
        return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return status_;
  }

private:
  void drain() {
    char buf[4096];
    for (;;) {
      ssize_t n = ::read(fd_, buf, sizeof(buf));
      if (n < 0 && errno == EINTR)
        continue;
      std::lock_guard<std::mutex> guard{mtx_};
      if (n <= 0) {
        eof_ = true;
        cv_.notify_all();
        return;
      }
      text_.append(buf, static_cast<size_t>(n));
      cv_.notify_all();
    }
  }

  pid_t pid_ = -1;
  int fd_ = -1;
  std::thread reader_;
  mutable std::mutex mtx_;
  std::condition_variable cv_;
  std::string text_;
  bool eof_ = false;
  std::optional<int> status_;
};

} // namespace e2e
