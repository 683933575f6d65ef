// The log line as nsqd's lg package prints it, with --log-prefix in front.

#include "actors/log.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <ctime>
#include <fcntl.h>
#include <mutex>
#include <poll.h>
#include <string>
#include <thread>
#include <unistd.h>

namespace {

/// 2026-03-04 05:06:07.000089 local time.
std::chrono::system_clock::time_point sample_time() {
  std::tm tm{};
  tm.tm_year = 2026 - 1900;
  tm.tm_mon = 2;
  tm.tm_mday = 4;
  tm.tm_hour = 5;
  tm.tm_min = 6;
  tm.tm_sec = 7;
  tm.tm_isdst = -1;
  return std::chrono::system_clock::from_time_t(std::mktime(&tm)) +
         std::chrono::microseconds(89);
}

} // namespace

TEST_CASE("a log line is <prefix>YYYY/MM/DD HH:MM:SS.micro LEVEL: text") {
  using nsq::log_level;
  auto when = sample_time();
  CHECK(nsq::format_log_line("[nsqd] ", log_level::info, when, "TOPIC(t): created") ==
        "[nsqd] 2026/03/04 05:06:07.000089 INFO: TOPIC(t): created\n");
  CHECK(nsq::format_log_line("[nsqd] ", log_level::warn, when, "x") ==
        "[nsqd] 2026/03/04 05:06:07.000089 WARNING: x\n");
  CHECK(nsq::format_log_line("", log_level::debug, when, "x") ==
        "2026/03/04 05:06:07.000089 DEBUG: x\n");
  CHECK(nsq::format_log_line("node-1 ", log_level::error, when, "x") ==
        "node-1 2026/03/04 05:06:07.000089 ERROR: x\n");
  CHECK(nsq::format_log_line("[nsqd] ", log_level::fatal, when, "x\n") ==
        "[nsqd] 2026/03/04 05:06:07.000089 FATAL: x\n");
}

TEST_CASE("log levels parse case-insensitively") {
  nsq::log_level level;
  CHECK(nsq::parse_log_level("WARN", level));
  CHECK(level == nsq::log_level::warn);
  CHECK_FALSE(nsq::parse_log_level("warning", level));
}

TEST_CASE("log_flush returns once queued lines are written") {
  nsq::set_log_prefix("[test] ");
  nsq::log_error("log_flush test line");
  CHECK(nsq::log_flush(std::chrono::seconds(5)));
  nsq::set_log_prefix("[nsqd] ");
}

TEST_CASE(
    "log_line never blocks on a stderr nobody reads and reports the lines it dropped") {
  using namespace std::chrono;
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  int saved = ::dup(STDERR_FILENO);
  REQUIRE(saved >= 0);
  REQUIRE(::dup2(fds[1], STDERR_FILENO) == STDERR_FILENO);
  // ~2.6 MB of lines into a 64 KiB pipe nobody reads yet.
  auto start = steady_clock::now();
  for (int i = 0; i < 20000; ++i)
    nsq::log_info("unread line " + std::to_string(i) + " " + std::string(100, 'x'));
  auto took = steady_clock::now() - start;
  bool flushed_while_unread = nsq::log_flush(milliseconds(100));
  // Now read it all: the writer gets unstuck and reports the drops.
  std::mutex mtx;
  std::string captured;
  std::atomic<bool> stop{false};
  std::thread reader([&] {
    char buf[65536];
    for (;;) {
      // Stops only once nothing is left to read (the last lines may still be
      // in the pipe when the test says stop).
      bool stopping = stop;
      pollfd p{fds[0], POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0) {
        if (stopping)
          return;
        continue;
      }
      auto n = ::read(fds[0], buf, sizeof(buf));
      if (n <= 0)
        return;
      std::lock_guard<std::mutex> guard{mtx};
      captured.append(buf, static_cast<size_t>(n));
    }
  });
  bool flushed = nsq::log_flush(seconds(10));
  nsq::log_info("after the drain"); // the queue has room again
  flushed = flushed && nsq::log_flush(seconds(10));
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  stop = true;
  reader.join();
  ::close(fds[0]);
  ::close(fds[1]);
  CHECK(took < seconds(2));
  CHECK_FALSE(flushed_while_unread);
  CHECK(flushed);
  CHECK(captured.find("WARNING: LOG: dropped ") != std::string::npos);
  CHECK(captured.find("INFO: after the drain\n") != std::string::npos);
}

TEST_CASE("repeated identical lines are rate-limited: N more like this") {
  using namespace std::chrono_literals;
  nsq::log_throttle t{10s};
  auto t0 = nsq::log_throttle::clock::time_point{} + 1h;
  std::string out;
  CHECK(t.admit("DISKQUEUE sync failed - EIO", t0, out));
  CHECK(out == "DISKQUEUE sync failed - EIO");
  for (int i = 1; i <= 5; ++i)
    CHECK_FALSE(t.admit("DISKQUEUE sync failed - EIO", t0 + i * 1s, out));
  CHECK(t.admit("other: sync failed", t0 + 2s, out)); // another text is separate
  CHECK(t.admit("DISKQUEUE sync failed - EIO", t0 + 10s, out));
  CHECK(out == "DISKQUEUE sync failed - EIO (5 more like this)");
  CHECK_FALSE(t.admit("DISKQUEUE sync failed - EIO", t0 + 11s, out));
  CHECK(t.admit("DISKQUEUE sync failed - EIO", t0 + 30s, out));
  CHECK(out == "DISKQUEUE sync failed - EIO (1 more like this)");
  CHECK(t.admit("DISKQUEUE sync failed - EIO", t0 + 60s, out));
  CHECK(out == "DISKQUEUE sync failed - EIO");
  CHECK(nsq::is_repetitive("DISKQUEUE(t:c: sync failed, retried at the next sync (x))"));
  CHECK_FALSE(nsq::is_repetitive("TCP: new client(127.0.0.1:1)"));
}
