// The log line as nsqd's lg package prints it, with --log-prefix in front.

#include "actors/log.hpp"

#include <catch2/catch.hpp>

#include <ctime>
#include <regex>

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
