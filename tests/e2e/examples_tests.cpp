// The example producer and consumer run against the real binary.
#include "e2e/nsqd_process.hpp"
#include "e2e/raw_client.hpp"

#include <sstream>

using namespace e2e;

namespace {

/// Runs a program to completion (at most `limit`), returning exit code and stdout.
std::pair<int, std::string> run_program(const std::vector<std::string>& argv,
                                        milliseconds limit) {
  subprocess proc(argv, subprocess::stream::out);
  auto code = proc.wait_exit(limit);
  if (!code)
    FAIL(argv[0] << " did not finish within " << limit.count() << " ms; stdout:\n"
                 << proc.text());
  // The pipe reaches EOF once the program has exited.
  proc.wait_for([](const std::string&) { return false; }, 2s);
  return {*code, proc.text()};
}

size_t count_lines(const std::string& text) {
  std::istringstream in(text);
  std::string line;
  size_t n = 0;
  while (std::getline(in, line))
    if (!line.empty())
      ++n;
  return n;
}

} // namespace

TEST_CASE("example-producer publishes 10 messages that example-consumer prints") {
  nsqd_process nsqd;
  auto [produced, producer_out] =
      run_program({EXAMPLE_PRODUCER, nsqd.address(), "examples", "10"}, 10s);
  INFO("producer stdout:\n" << producer_out);
  CHECK(produced == 0);

  auto [consumed, consumer_out] =
      run_program({EXAMPLE_CONSUMER, nsqd.address(), "examples", "ch", "10"}, 10s);
  INFO("consumer stdout:\n" << consumer_out);
  CHECK(consumed == 0);
  CHECK(count_lines(consumer_out) == 10);

  // The consumer FINished everything: a second consumer on the channel gets nothing.
  auto check = subscriber(nsqd.port(), "examples", "ch", 10);
  CHECK(check.silent_for(500ms));
  CHECK(nsqd.stop() == 0);
}
