// caf-nsq-bench against the real binary: the closing line keeps nsq's
// format, and the reader receives exactly what the writer published.
// Counts only; no figure is asserted.
#include "e2e/nsqd_process.hpp"

#include <regex>

using namespace e2e;
using namespace std::chrono_literals;

namespace {

/// A finished caf-nsq-bench run: exit code and stderr (where it logs, as Go's
/// log package does).
struct bench_run {
  int code = -1;
  std::string log;
};

bench_run run_bench(std::vector<std::string> args, std::chrono::milliseconds limit) {
  args.insert(args.begin(), CAF_NSQ_BENCH);
  subprocess proc(args, subprocess::stream::err);
  auto code = proc.wait_exit(limit);
  if (!code) {
    proc.signal(SIGKILL);
    proc.wait_exit(5s);
    FAIL("caf-nsq-bench did not finish within " << limit.count() << " ms; log:\n"
                                                << proc.text());
  }
  proc.wait_for([](const std::string&) { return false; }, 2s); // until EOF
  return {*code, proc.text()};
}

/// Returns the number on the `messages: N` line.
uint64_t messages_of(const std::string& log) {
  std::smatch m;
  REQUIRE(
      std::regex_search(log, m, std::regex(R"(\] [0-9/]+ [0-9:]+ messages: (\d+) )")));
  return std::stoull(m[1]);
}

const std::regex
    closing_line(R"(\[bench_(writer|reader)\] \d{4}/\d\d/\d\d \d\d:\d\d:\d\d duration: )"
                 R"([0-9hmµ.]+s - \d+\.\d{3}mb/s - \d+\.\d{3}ops/s - \d+\.\d{3}us/op\n)");

} // namespace

TEST_CASE("bench writer then reader: nsq's closing line, every message received") {
  nsqd_process nsqd({"--mem-queue-size=10000000"});
  auto writer = run_bench({"writer", "--nsqd-tcp-address=" + nsqd.address(),
                           "--topic=bench_e2e", "--runfor=1s", "--size=100",
                           "--batch-size=50", "--connections=2", "--timestamps"},
                          60s);
  INFO("writer log:\n" << writer.log);
  REQUIRE(writer.code == 0);
  CHECK(std::regex_search(writer.log, closing_line));
  CHECK(writer.log.find("publish round-trip: p50=") != std::string::npos);
  auto published = messages_of(writer.log);
  REQUIRE(published > 0);
  CHECK(published % 50 == 0); // whole MPUB batches

  // Go's flag spelling: single dash, value as the next argument.
  auto reader =
      run_bench({"reader", "-nsqd-tcp-address", nsqd.address(), "-topic", "bench_e2e",
                 "-channel", "ch", "-runfor", "30s", "-size", "100", "-rdy", "100",
                 "-connections", "2", "-messages", std::to_string(published)},
                90s);
  INFO("reader log:\n" << reader.log);
  REQUIRE(reader.code == 0);
  CHECK(std::regex_search(reader.log, closing_line));
  CHECK(messages_of(reader.log) == published);
  CHECK(reader.log.find("end-to-end latency: p50=") != std::string::npos);
}

TEST_CASE("bench writer with batch size 1 publishes a fixed count with PUB") {
  nsqd_process nsqd;
  auto writer =
      run_bench({"writer", "--nsqd-tcp-address=" + nsqd.address(), "--topic=bench_pub",
                 "--batch-size=1", "--connections=3", "--messages=500", "--runfor=30s"},
                60s);
  INFO("writer log:\n" << writer.log);
  REQUIRE(writer.code == 0);
  CHECK(messages_of(writer.log) == 500);
  auto reader =
      run_bench({"reader", "--nsqd-tcp-address=" + nsqd.address(), "--topic=bench_pub",
                 "--connections=1", "--messages=500", "--runfor=30s"},
                60s);
  INFO("reader log:\n" << reader.log);
  REQUIRE(reader.code == 0);
  CHECK(messages_of(reader.log) == 500);
}

TEST_CASE("bench writer reports nsqd's error and fails") {
  nsqd_process nsqd;
  auto writer = run_bench({"writer", "--nsqd-tcp-address=" + nsqd.address(),
                           "--topic=bad!topic", "--runfor=1s"},
                          30s);
  INFO("writer log:\n" << writer.log);
  CHECK(writer.code == 1);
  CHECK(writer.log.find("E_BAD_TOPIC") != std::string::npos);
}

TEST_CASE("bench idle holds subscribed connections and closes them") {
  nsqd_process nsqd;
  auto idle =
      run_bench({"idle", "--nsqd-tcp-address=" + nsqd.address(), "--subscribe",
                 "--topics=3", "--channels=2", "--connections=2", "--runfor=200ms"},
                60s);
  INFO("idle log:\n" << idle.log);
  REQUIRE(idle.code == 0);
  CHECK(idle.log.find("connected: 12 in ") != std::string::npos);
}

TEST_CASE("bench rejects unknown flags with nsq's wording") {
  auto run = run_bench({"writer", "--no-such-flag=1"}, 10s);
  CHECK(run.code == 2);
  CHECK(run.log.find("flag provided but not defined: -no-such-flag") !=
        std::string::npos);
}

TEST_CASE("bench writer --identify=go-nsq negotiates features and publishes with PUB") {
  nsqd_process nsqd;
  auto writer = run_bench({"writer", "--nsqd-tcp-address=" + nsqd.address(),
                           "--topic=bench_gonsq", "--identify=go-nsq", "--batch-size=1",
                           "--connections=1", "--messages=200", "--runfor=30s"},
                          60s);
  INFO("writer log:\n" << writer.log);
  REQUIRE(writer.code == 0);
  CHECK(messages_of(writer.log) == 200);
  // Only a feature-negotiating IDENTIFY gets JSON back.
  CHECK(writer.log.find("IDENTIFY response: {") != std::string::npos);
  CHECK(writer.log.find("\"max_rdy_count\":2500") != std::string::npos);
  CHECK(writer.log.find("publish round-trip: p50=") != std::string::npos);
}
