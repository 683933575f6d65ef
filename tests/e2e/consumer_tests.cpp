// IDENTIFY, SUB, RDY, FIN, REQ, TOUCH, CLS, NOP and heartbeats against the
// real binary.
#include "e2e/nsqd_process.hpp"
#include "e2e/raw_client.hpp"
#include "e2e/stats_probe.hpp"

#include <map>
#include <set>
#include <thread>

using namespace e2e;

namespace {

const std::string default_identify_json =
    R"({"max_rdy_count":2500,"version":"1.3.0","max_msg_timeout":900000,"msg_timeout":60000,)"
    R"("tls_v1":false,"deflate":false,"deflate_level":6,"max_deflate_level":6,"snappy":false,)"
    R"("sample_rate":0,"auth_required":false,"output_buffer_size":16384,"output_buffer_timeout":250})";

/// Elapsed time since `start`.
milliseconds since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() -
                                                  start);
}

} // namespace

TEST_CASE("IDENTIFY without feature_negotiation answers OK") {
  nsqd_process nsqd;
  raw_client c{nsqd.port()};
  c.send(identify(R"({"client_id":"cid","hostname":"hn","user_agent":"e2e/1"})"));
  expect_ok(c);
  // tls/snappy/deflate are ignored without negotiation: the connection stays plain.
  raw_client d{nsqd.port()};
  d.send(identify(R"({"snappy":true,"deflate":true})"));
  expect_ok(d);
  d.send(pub("t", "x"));
  expect_ok(d);
}

TEST_CASE("IDENTIFY with feature_negotiation answers the exact default JSON") {
  nsqd_process nsqd;
  raw_client c{nsqd.port()};
  c.send(identify(
      R"({"client_id":"cid","hostname":"hn","user_agent":"e2e/1","feature_negotiation":true})"));
  frame f = c.read_frame();
  CHECK(f.type == 0);
  CHECK(f.data == default_identify_json);
  c.send(pub("t", "x"));
  expect_ok(c);
}

TEST_CASE("IDENTIFY reports negotiated msg_timeout and output buffer settings") {
  nsqd_process nsqd;
  raw_client c{nsqd.port()};
  c.send(identify(
      R"({"feature_negotiation":true,"heartbeat_interval":1000,)"
      R"("msg_timeout":5000,"output_buffer_size":1024,"output_buffer_timeout":100,)"
      R"("unknown_key":[1,2],"short_id":"legacy"})"));
  frame f = c.read_frame();
  CHECK(
      f.data ==
      R"({"max_rdy_count":2500,"version":"1.3.0","max_msg_timeout":900000,"msg_timeout":5000,)"
      R"("tls_v1":false,"deflate":false,"deflate_level":6,"max_deflate_level":6,"snappy":false,)"
      R"("sample_rate":0,"auth_required":false,"output_buffer_size":1024,"output_buffer_timeout":100})");
  // The negotiated 1 s heartbeat arrives well before the default 30 s.
  auto start = std::chrono::steady_clock::now();
  frame hb = c.read_frame(2500ms);
  CHECK(printable(hb.raw) == printable(heartbeat_frame));
  CHECK(since(start) >= 700ms);

  raw_client d{nsqd.port()};
  d.send(identify(
      R"({"feature_negotiation":true,"output_buffer_size":-1,"sample_rate":10})"));
  std::string data = d.read_frame().data;
  CHECK(data.find(R"("sample_rate":10,)") != std::string::npos);
  CHECK(data.find(R"("output_buffer_size":1,"output_buffer_timeout":0})") !=
        std::string::npos);
}

TEST_CASE("IDENTIFY reflects the server flags") {
  nsqd_process nsqd{{"--max-rdy-count=100", "--msg-timeout=1s", "--max-msg-timeout=2m"}};
  raw_client c{nsqd.port()};
  c.send(identify(R"({"feature_negotiation":true})"));
  std::string data = c.read_frame().data;
  CHECK(data.rfind(R"({"max_rdy_count":100,"version":"1.3.0","max_msg_timeout":120000,)"
                   R"("msg_timeout":1000,)",
                   0) == 0);
}

TEST_CASE("RDY is a window: FIN of one message lets another flow without a new RDY") {
  nsqd_process nsqd;
  auto consumer = subscriber(nsqd.port(), "window", "ch", 2);
  publish(nsqd.port(), "window", {"a", "b", "c", "d"});
  message first = consumer.read_message();
  message second = consumer.read_message();
  CHECK(first.id != second.id);
  CHECK(consumer.silent_for(500ms));
  consumer.send("FIN " + first.id + "\n");
  message third = consumer.read_message();
  CHECK(third.attempts == 1);
  CHECK(consumer.silent_for(500ms));
  std::set<std::string> bodies{first.body, second.body, third.body};
  CHECK(bodies.size() == 3);
}

TEST_CASE("RDY without a count means 1, RDY 0 stops delivery") {
  nsqd_process nsqd;
  auto consumer = subscriber(nsqd.port(), "rdy", "ch", -1);
  consumer.send("RDY\n");
  publish(nsqd.port(), "rdy", {"a", "b"});
  message a = consumer.read_message();
  CHECK(consumer.silent_for(400ms));
  consumer.send("RDY 0\n");
  consumer.send("FIN " + a.id + "\n");
  CHECK(consumer.silent_for(500ms));
  consumer.send("RDY 1\n");
  CHECK(consumer.read_message().attempts == 1);
}

TEST_CASE("REQ 0 redelivers at once with attempts 2, same ID and timestamp") {
  nsqd_process nsqd;
  auto consumer = subscriber(nsqd.port(), "req", "ch", 1);
  publish(nsqd.port(), "req", {"hello"});
  message m = consumer.read_message();
  CHECK(m.attempts == 1);
  consumer.send("REQ " + m.id + " 0\n");
  message again = consumer.read_message(2s);
  CHECK(again.id == m.id);
  CHECK(again.timestamp == m.timestamp);
  CHECK(again.attempts == 2);
  CHECK(again.body == "hello");
  consumer.send("FIN " + again.id + "\n");
  CHECK(consumer.silent_for(300ms));
}

TEST_CASE("REQ with a delay holds the message back for that delay") {
  nsqd_process nsqd;
  auto consumer = subscriber(nsqd.port(), "reqd", "ch", 1);
  publish(nsqd.port(), "reqd", {"later"});
  message m = consumer.read_message();
  auto start = std::chrono::steady_clock::now();
  consumer.send("REQ " + m.id + " 1200\n");
  CHECK(consumer.silent_for(900ms));
  message again = consumer.read_message(4s);
  CHECK(since(start) >= 1150ms);
  CHECK(again.id == m.id);
  CHECK(again.attempts == 2);
}

TEST_CASE("REQ beyond --max-req-timeout is clamped, not refused") {
  nsqd_process nsqd{{"--max-req-timeout=1s"}};
  auto consumer = subscriber(nsqd.port(), "clamp", "ch", 1);
  publish(nsqd.port(), "clamp", {"x"});
  message m = consumer.read_message();
  consumer.send("REQ " + m.id + " 999999999\n");
  message again = consumer.read_message(4s);
  CHECK(again.id == m.id);
  CHECK(again.attempts == 2);
}

TEST_CASE("an in-flight message times out and is redelivered with attempts 2") {
  nsqd_process nsqd{{"--msg-timeout=1s"}};
  auto consumer = subscriber(nsqd.port(), "timeout", "ch", 1);
  publish(nsqd.port(), "timeout", {"slow"});
  message m = consumer.read_message();
  auto start = std::chrono::steady_clock::now();
  message again = consumer.read_message(5s);
  CHECK(since(start) >= 900ms);
  CHECK(again.id == m.id);
  CHECK(again.attempts == 2);
  // The old delivery is gone: finishing it works once, then it is not in flight.
  consumer.send("FIN " + again.id + "\n");
  consumer.send("FIN " + again.id + "\n");
  expect_nonfatal(consumer, "E_FIN_FAILED FIN " + again.id + " failed ID not in flight");
}

TEST_CASE("FINs sent in one write are each answered as on their own") {
  nsqd_process nsqd;
  auto consumer = subscriber(nsqd.port(), "finrun", "ch", 2);
  publish(nsqd.port(), "finrun", {"a", "b"});
  message a = consumer.read_message();
  message b = consumer.read_message();
  // One write, so the broker reads the three lines together: the second FIN
  // of `a` fails alone, and `b` is still finished after it.
  consumer.send("FIN " + a.id + "\nFIN " + a.id + "\nFIN " + b.id + "\n");
  expect_nonfatal(consumer, "E_FIN_FAILED FIN " + a.id + " failed ID not in flight");
  consumer.send("FIN " + b.id + "\n");
  expect_nonfatal(consumer, "E_FIN_FAILED FIN " + b.id + " failed ID not in flight");
}

TEST_CASE("IDENTIFY msg_timeout sets the in-flight timeout of the connection") {
  nsqd_process nsqd;
  auto consumer = subscriber(nsqd.port(), "cto", "ch", 1,
                             R"({"msg_timeout":1000,"heartbeat_interval":5000})");
  publish(nsqd.port(), "cto", {"x"});
  message m = consumer.read_message();
  message again = consumer.read_message(5s);
  CHECK(again.id == m.id);
  CHECK(again.attempts == 2);
}

TEST_CASE("TOUCH keeps a message in flight past its timeout") {
  nsqd_process nsqd{{"--msg-timeout=1s"}};
  auto consumer = subscriber(nsqd.port(), "touch", "ch", 1);
  publish(nsqd.port(), "touch", {"x"});
  message m = consumer.read_message();
  for (int i = 0; i < 4; ++i) {
    CHECK(consumer.silent_for(500ms));
    consumer.send("TOUCH " + m.id + "\n");
  }
  // 2 s after delivery with a 1 s timeout: still ours.
  consumer.send("FIN " + m.id + "\n");
  CHECK(consumer.silent_for(1500ms));
}

TEST_CASE("CLS answers CLOSE_WAIT, stops delivery and still accepts FIN") {
  nsqd_process nsqd;
  auto consumer = subscriber(nsqd.port(), "cls", "ch", 1);
  publish(nsqd.port(), "cls", {"a", "b"});
  message m = consumer.read_message();
  consumer.send("CLS\n");
  CHECK(printable(consumer.read_frame().raw) == printable(close_wait_frame));
  consumer.send("RDY 5\n"); // ignored in closing state, no answer
  consumer.send("FIN " + m.id + "\n");
  CHECK(consumer.silent_for(500ms));
  // The FIN was accepted: the ID is no longer in flight.
  consumer.send("FIN " + m.id + "\n");
  expect_nonfatal(consumer, "E_FIN_FAILED FIN " + m.id + " failed ID not in flight");
  CHECK(consumer.silent_for(300ms));
  // The other message is still there for another consumer.
  auto other = subscriber(nsqd.port(), "cls", "ch", 1);
  std::string rest = other.read_message().body;
  CHECK(rest != m.body);
  CHECK((rest == "a" || rest == "b"));
}

TEST_CASE("extra parameters after FIN's ID are ignored") {
  nsqd_process nsqd;
  auto consumer = subscriber(nsqd.port(), "extra", "ch", 1);
  publish(nsqd.port(), "extra", {"a"});
  message m = consumer.read_message();
  consumer.send("FIN " + m.id + " junk\n");
  consumer.send("FIN " + m.id + "\n");
  expect_nonfatal(consumer, "E_FIN_FAILED FIN " + m.id + " failed ID not in flight");
}

TEST_CASE("NOP has no answer and the connection keeps working") {
  nsqd_process nsqd;
  raw_client c{nsqd.port()};
  c.send("NOP\n");
  c.send("NOP\r\n");
  CHECK(c.silent_for(300ms));
  c.send(pub("t", "x"));
  expect_ok(c);
}

TEST_CASE("heartbeats arrive every interval and NOP keeps the connection alive") {
  nsqd_process nsqd;
  raw_client c{nsqd.port()};
  c.send(identify(R"({"heartbeat_interval":1000})"));
  expect_ok(c);
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 4; ++i) {
    frame hb = c.read_frame(2500ms);
    CHECK(printable(hb.raw) == printable(heartbeat_frame));
    c.send("NOP\n");
  }
  // 4 heartbeats ≈ 4 s > 2 × interval: only the NOPs kept us connected.
  CHECK(since(start) >= 3500ms);
  c.send(pub("t", "x"));
  expect_ok(c);
}

TEST_CASE("a client that never finishes a line is closed after 2 x heartbeat interval") {
  nsqd_process nsqd;
  raw_client c{nsqd.port()};
  c.send(identify(R"({"heartbeat_interval":1000})"));
  expect_ok(c);
  auto start = std::chrono::steady_clock::now();
  c.send("PU");
  std::string before;
  bool closed = c.closed_within(5s, &before);
  auto elapsed = since(start);
  CHECK(closed);
  CHECK(elapsed >= 1900ms);
  CHECK(elapsed <= 3000ms);
  // Only heartbeats (no error frame) precede the close.
  CHECK(before.size() % heartbeat_frame.size() == 0);
  for (size_t i = 0; i + heartbeat_frame.size() <= before.size();
       i += heartbeat_frame.size())
    CHECK(printable(before.substr(i, heartbeat_frame.size())) ==
          printable(heartbeat_frame));
}

TEST_CASE(
    "a disconnecting consumer's in-flight messages go to another consumer at once") {
  nsqd_process nsqd; // default 60 s msg timeout: only the disconnect can requeue
  auto a = subscriber(nsqd.port(), "requeue", "ch", 1);
  publish(nsqd.port(), "requeue", {"payload"});
  message m = a.read_message();
  auto b = subscriber(nsqd.port(), "requeue", "ch", 1);
  CHECK(b.silent_for(300ms));
  a.close();
  message again = b.read_message(3s);
  CHECK(again.id == m.id);
  CHECK(again.body == "payload");
  CHECK(again.attempts == 2);
}

namespace {

/// Reads messages from several consumers until `total` arrived or 10 s passed,
/// FINishing each; returns body → count per consumer.
std::vector<std::map<std::string, int>> drain(std::vector<raw_client*> consumers,
                                              size_t total) {
  std::vector<std::map<std::string, int>> got(consumers.size());
  size_t seen = 0;
  auto deadline = std::chrono::steady_clock::now() + 10s;
  while (seen < total && std::chrono::steady_clock::now() < deadline) {
    for (size_t i = 0; i < consumers.size(); ++i) {
      frame f;
      auto status = consumers[i]->try_read(f, 20ms);
      if (status == read_status::closed)
        FAIL("consumer " << i << " was disconnected");
      if (status != read_status::frame)
        continue;
      if (f.raw == heartbeat_frame) {
        consumers[i]->send("NOP\n");
        continue;
      }
      message m = parse_message(f);
      ++got[i][m.body];
      ++seen;
      consumers[i]->send("FIN " + m.id + "\n");
    }
  }
  return got;
}

std::vector<std::string> numbered(const std::string& prefix, int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i)
    out.push_back(prefix + std::to_string(i));
  return out;
}

} // namespace

TEST_CASE("two consumers on one channel share the messages without duplicates") {
  nsqd_process nsqd;
  auto a = subscriber(nsqd.port(), "shared", "ch", 5);
  auto b = subscriber(nsqd.port(), "shared", "ch", 5);
  auto bodies = numbered("s", 200);
  raw_client producer{nsqd.port()};
  producer.send(mpub("shared", bodies));
  expect_ok(producer);
  auto got = drain({&a, &b}, bodies.size());
  std::map<std::string, int> all;
  size_t total = 0;
  for (auto& per : got)
    for (auto& [body, n] : per) {
      all[body] += n;
      total += n;
    }
  CHECK(total == 200);
  CHECK(all.size() == 200);
  for (auto& [body, n] : all)
    CHECK(n == 1);
  INFO("a got " << got[0].size() << ", b got " << got[1].size());
  CHECK(a.silent_for(300ms));
  CHECK(b.silent_for(10ms));
}

TEST_CASE("two channels each get every message") {
  nsqd_process nsqd;
  auto a = subscriber(nsqd.port(), "fan", "one", 10);
  auto b = subscriber(nsqd.port(), "fan", "two", 10);
  auto bodies = numbered("f", 100);
  raw_client producer{nsqd.port()};
  producer.send(mpub("fan", bodies));
  expect_ok(producer);
  auto got = drain({&a, &b}, 2 * bodies.size());
  for (auto& per : got) {
    CHECK(per.size() == 100);
    for (auto& [body, n] : per)
      CHECK(n == 1);
  }
}

TEST_CASE("an ephemeral channel disappears with its last consumer") {
  nsqd_process nsqd;
  // A durable channel keeps the topic delivering while the ephemeral one is gone.
  auto keeper = subscriber(nsqd.port(), "eph", "durable", 0);
  auto e = subscriber(nsqd.port(), "eph", "ch#ephemeral", 1);
  publish(nsqd.port(), "eph", {"m1"});
  message m1 = e.read_message();
  CHECK(m1.body == "m1");
  e.send("FIN " + m1.id + "\n");
  e.close();
  // The server learns of the close asynchronously: wait until the channel is gone.
  REQUIRE(probe::eventually(
      [&] {
        return probe::channel_stats(probe::stats(nsqd.http_port()), "eph", "ch#ephemeral")
            .is_null();
      },
      10s));
  publish(nsqd.port(), "eph", {"m2"});
  auto e2 = subscriber(nsqd.port(), "eph", "ch#ephemeral", 10);
  CHECK(e2.silent_for(500ms)); // m2 went nowhere on this channel
  publish(nsqd.port(), "eph", {"m3"});
  CHECK(e2.read_message().body == "m3");
  CHECK(e2.silent_for(300ms));
  // Control: the durable channel kept everything.
  keeper.send("RDY 10\n");
  std::multiset<std::string> kept;
  for (int i = 0; i < 3; ++i)
    kept.insert(keeper.read_message().body);
  CHECK(kept == std::multiset<std::string>{"m1", "m2", "m3"});
}
