// Start and stop of the real binary: port discovery, SIGTERM with and without
// connected clients.
#include "e2e/nsqd_process.hpp"
#include "e2e/raw_client.hpp"

using namespace e2e;

TEST_CASE("the server reports its port and exits 0 on SIGTERM when idle") {
  nsqd_process nsqd;
  CHECK(nsqd.port() != 0);
  CHECK(nsqd.running());
  auto start = std::chrono::steady_clock::now();
  CHECK(nsqd.stop() == 0);
  CHECK(std::chrono::steady_clock::now() - start < 5s);
}

TEST_CASE("two servers run side by side on distinct free ports") {
  nsqd_process a;
  nsqd_process b;
  CHECK(a.port() != b.port());
  publish(a.port(), "t", {"x"});
  publish(b.port(), "t", {"y"});
  CHECK(a.stop() == 0);
  CHECK(b.stop() == 0);
}

TEST_CASE("SIGTERM with connected consumers, producers and half-sent commands exits 0") {
  nsqd_process nsqd{{"--msg-timeout=10s"}};
  auto consumer = subscriber(nsqd.port(), "busy", "ch", 5);
  auto idle = subscriber(nsqd.port(), "busy", "other", 0);
  raw_client producer{nsqd.port()};
  for (int i = 0; i < 20; ++i) {
    producer.send(pub("busy", "m" + std::to_string(i)));
    expect_ok(producer);
  }
  message m = consumer.read_message(); // leaves messages in flight
  CHECK(m.attempts == 1);
  raw_client partial{nsqd.port()};
  partial.send("PUB busy\n" + be32(100) + "abc"); // a body that never completes
  raw_client fresh{nsqd.port(), false};           // no magic yet

  auto start = std::chrono::steady_clock::now();
  CHECK(nsqd.stop() == 0);
  CHECK(std::chrono::steady_clock::now() - start < 5s);
  // Every client sees its connection end.
  CHECK(consumer.closed_within(2s));
  CHECK(idle.closed_within(2s));
  CHECK(producer.closed_within(2s));
  CHECK(partial.closed_within(2s));
  CHECK(fresh.closed_within(2s));
}

TEST_CASE("an unknown flag makes the binary exit non-zero instead of listening") {
  subprocess proc({NSQD_BINARY, "--tcp-address=127.0.0.1:0", "--no-such-flag=1"},
                  subprocess::stream::err);
  auto code = proc.wait_exit(5s);
  REQUIRE(code.has_value());
  CHECK(*code != 0);
  CHECK(proc.text().find("TCP: listening on") == std::string::npos);
}
