// PUB, MPUB and DPUB against the real binary: exact answers and what reaches
// consumers.
#include "e2e/nsqd_process.hpp"
#include "e2e/raw_client.hpp"

#include <algorithm>
#include <set>
#include <thread>

using namespace e2e;

TEST_CASE("PUB, MPUB and DPUB answer OK with the exact bytes of the transcript") {
  nsqd_process nsqd;
  raw_client c{nsqd.port()};
  c.send(pub("test", "hello"));
  CHECK(printable(c.read_frame().raw) ==
        printable("\x00\x00\x00\x06\x00\x00\x00\x00OK"s));
  c.send("MPUB test\n"s + "\x00\x00\x00\x11\x00\x00\x00\x02\x00\x00\x00\x03"
                          "abc\x00\x00\x00\x02"
                          "de"s);
  expect_ok(c);
  c.send("DPUB test 1500\n"s + "\x00\x00\x00\x08"s + "deferred");
  expect_ok(c);
}

TEST_CASE("a message frame carries timestamp in ns, attempts 1, a hex ID and the body") {
  nsqd_process nsqd;
  auto consumer = subscriber(nsqd.port(), "layout", "ch", 1);
  int64_t before = unix_ns();
  publish(nsqd.port(), "layout", {"hello"});
  int64_t after = unix_ns();
  frame f = consumer.read_frame();
  REQUIRE(f.type == 2);
  CHECK(f.raw.size() == 4 + 4 + 26 + 5);
  CHECK(f.raw.substr(0, 8) == be32(4 + 26 + 5) + be32(2));
  message m = parse_message(f);
  CHECK(m.timestamp >= before - 1'000'000);
  CHECK(m.timestamp <= after + 1'000'000);
  CHECK(m.attempts == 1);
  CHECK(is_hex_id(m.id));
  CHECK(m.body == "hello");
}

TEST_CASE("binary bodies survive unchanged, zero bytes and newlines included") {
  nsqd_process nsqd;
  auto consumer = subscriber(nsqd.port(), "binary", "ch", 5);
  std::string body = "a\0b\nc\r\n\xff\x01"s + std::string(70000, '\x7f');
  publish(nsqd.port(), "binary", {body});
  CHECK(consumer.read_message().body == body);
}

TEST_CASE("a message at exactly --max-msg-size is accepted") {
  nsqd_process nsqd{{"--max-msg-size=100"}};
  auto consumer = subscriber(nsqd.port(), "exact", "ch", 1);
  raw_client producer{nsqd.port()};
  producer.send(pub("exact", std::string(100, 'm')));
  expect_ok(producer);
  CHECK(consumer.read_message().body == std::string(100, 'm'));
}

TEST_CASE("MPUB delivers every element once, each with its own ID") {
  nsqd_process nsqd;
  auto consumer = subscriber(nsqd.port(), "batch", "ch", 100);
  std::vector<std::string> bodies;
  for (int i = 0; i < 50; ++i)
    bodies.push_back("m" + std::to_string(i));
  raw_client producer{nsqd.port()};
  producer.send(mpub("batch", bodies));
  expect_ok(producer);
  std::multiset<std::string> got;
  std::set<std::string> ids;
  for (int i = 0; i < 50; ++i) {
    message m = consumer.read_message();
    got.insert(m.body);
    ids.insert(m.id);
    CHECK(m.attempts == 1);
    consumer.send("FIN " + m.id + "\n");
  }
  CHECK(got == std::multiset<std::string>(bodies.begin(), bodies.end()));
  CHECK(ids.size() == 50);
  CHECK(consumer.silent_for(300ms));
}

TEST_CASE("a topic holds messages until its first channel exists") {
  nsqd_process nsqd;
  publish(nsqd.port(), "held", {"one", "two", "three"});
  auto consumer = subscriber(nsqd.port(), "held", "late", 10);
  std::multiset<std::string> got;
  for (int i = 0; i < 3; ++i)
    got.insert(consumer.read_message().body);
  CHECK(got == std::multiset<std::string>{"one", "two", "three"});
}

TEST_CASE("a connection may publish after it has subscribed") {
  nsqd_process nsqd;
  auto c = subscriber(nsqd.port(), "both", "ch", 0);
  c.send(pub("other", "x"));
  expect_ok(c);
  c.send("RDY 1\n");
  c.send(pub("both", "self"));
  // The OK and the message may arrive in either order.
  frame a = c.read_frame();
  frame b = c.read_frame();
  if (a.type == 2)
    std::swap(a, b);
  CHECK(printable(a.raw) == printable(ok_frame));
  CHECK(parse_message(b).body == "self");
}

TEST_CASE("DPUB is not delivered before its delay") {
  nsqd_process nsqd;
  auto consumer = subscriber(nsqd.port(), "later", "ch", 1);
  raw_client producer{nsqd.port()};
  auto start = std::chrono::steady_clock::now();
  producer.send(dpub("later", 1500, "deferred"));
  expect_ok(producer);
  CHECK(consumer.silent_for(1000ms));
  message m = consumer.read_message(4s);
  auto elapsed = std::chrono::steady_clock::now() - start;
  CHECK(m.body == "deferred");
  CHECK(m.attempts == 1);
  CHECK(elapsed >= 1450ms);
  CHECK(elapsed <= 3500ms);
}

TEST_CASE("DPUB 0 is delivered at once and the upper bound is inclusive") {
  nsqd_process nsqd{{"--max-req-timeout=5000ms"}};
  auto consumer = subscriber(nsqd.port(), "d0", "ch", 1);
  raw_client producer{nsqd.port()};
  producer.send(dpub("d0", 0, "now"));
  expect_ok(producer);
  CHECK(consumer.read_message(2s).body == "now");
  producer.send(dpub("d0", 5000, "max"));
  expect_ok(producer);
  producer.send(dpub("d0", 5001, "over"));
  expect_fatal(producer, "E_INVALID DPUB timeout 5001 out of range 0-5000");
}
