// The session actor (fixture: session_fixture.hpp) as a producer: PUB, MPUB,
// DPUB, publish credit and failures, command batches; then PUB/SUB through
// the real broker, topic and channel.

#include "session_fixture.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace nsq::test {

TEST_CASE_METHOD(session_fixture, "PUB answers OK", "[session][pub]") {
  start();
  send({cmd("PUB", {"t"}, "hello")});
  CHECK(take() == response("OK"));
  REQUIRE(world.published.size() == 1);
  CHECK(world.published[0] == std::vector<std::string>{"hello"});
  CHECK(world.defers[0] == caf::timespan{0});
}

TEST_CASE_METHOD(session_fixture,
                 "pipelined PUB, PUB, NOP, PUB answer OK three times in order",
                 "[session][pub]") {
  start();
  send({cmd("PUB", {"t"}, "1"), cmd("PUB", {"t"}, "2"), cmd("NOP"),
        cmd("PUB", {"u"}, "3")});
  CHECK(take() == response("OK") + response("OK") + response("OK"));
  REQUIRE(world.published.size() == 3);
  CHECK(world.published[2] == std::vector<std::string>{"3"});
  // The topic is resolved once per name, then cached.
  CHECK(world.events == std::vector<std::string>{"get_topic t", "get_topic u"});
  CHECK(conn->batches_done == 1);
}

TEST_CASE_METHOD(session_fixture,
                 "PUBs on credit are answered at once and reach the topic in order",
                 "[session][pub][credit]") {
  world.grant = 2;
  start();
  auto m = cmd("MPUB", {"t"});
  m.messages = body_batch::of({"3", "3b"});
  send({cmd("PUB", {"t"}, "1"), cmd("PUB", {"t"}, "2"), m, cmd("PUB", {"t"}, "4"),
        cmd("DPUB", {"t", "1500"}, "5")});
  CHECK(take() == response("OK") + response("OK") + response("OK") + response("OK") +
                      response("OK"));
  // 1 earns 2 messages of credit; 2 uses one; the MPUB of 2 does not fit and
  // waits for the topic (earning 2 more), which 4 and the DPUB use.
  CHECK(world.topic_events == std::vector<std::string>{"request 1", "credited 2",
                                                       "request 3", "credited 4",
                                                       "credited 5"});
  CHECK(world.defers.back() == caf::timespan{1500ms});
  CHECK(conn->batches_done == 1);
  // /stats counts every acknowledged message at once.
  caf::scoped_actor client{sys};
  auto h = client->request(session, caf::infinite, stats_atom::value);
  sched.run();
  h.receive(
      [&](client_stats& cs) {
        REQUIRE(cs.pub_counts.size() == 1);
        CHECK(cs.pub_counts[0].count == 6);
      },
      [&](caf::error&) { FAIL("no stats"); });
}

TEST_CASE_METHOD(session_fixture, "a topic revoking credit gets it back",
                 "[session][pub][credit]") {
  world.grant = 5;
  start();
  send({cmd("PUB", {"t"}, "1"), cmd("PUB", {"t"}, "2")});
  CHECK(take() == response("OK") + response("OK"));
  caf::send_as(world.topic, session, pub_revoke_atom::value);
  sched.run();
  send({cmd("PUB", {"t"}, "3")}); // no credit left: asks the topic again
  CHECK(take() == response("OK"));
  CHECK(world.topic_events ==
        std::vector<std::string>{"request 1", "credited 2", "return", "request 3"});
}

TEST_CASE_METHOD(session_fixture, "MPUB and DPUB", "[session][pub]") {
  start();
  auto m = cmd("MPUB", {"t"});
  m.messages = body_batch::of({"a", "b"});
  send({m, cmd("DPUB", {"t", "1500"}, "later")});
  CHECK(take() == response("OK") + response("OK"));
  REQUIRE(world.published.size() == 2);
  CHECK(world.published[0] == std::vector<std::string>{"a", "b"});
  CHECK(world.published[1] == std::vector<std::string>{"later"});
  CHECK(world.defers[1] == caf::timespan{1500ms});
}

TEST_CASE_METHOD(session_fixture, "publish failures are fatal with the verb's code",
                 "[session][pub]") {
  world.publish_reply = "exiting";
  start();
  SECTION("PUB") {
    send({cmd("PUB", {"t"}, "x"), cmd("PUB", {"t"}, "y")});
    CHECK(take() == error("E_PUB_FAILED PUB failed exiting"));
    CHECK(world.published.size() == 1);
  }
  SECTION("MPUB") {
    auto m = cmd("MPUB", {"t"});
    m.messages = body_batch::of({"a"});
    send({m});
    CHECK(take() == error("E_MPUB_FAILED MPUB failed exiting"));
  }
  SECTION("DPUB") {
    send({cmd("DPUB", {"t", "10"}, "x")});
    CHECK(take() == error("E_DPUB_FAILED DPUB failed exiting"));
  }
  CHECK(conn->closed);
}

TEST_CASE_METHOD(session_fixture, "PUB validation errors are fatal", "[session][pub]") {
  start();
  SECTION("topic name") {
    send({cmd("PUB", {"bad!"}, "x")});
    CHECK(take() == error(R"(E_BAD_TOPIC PUB topic name "bad!" is not valid)"));
  }
  SECTION("body error after the name check") {
    auto c = cmd("PUB", {"t"});
    c.body_error = fatal_error(codes::bad_message, "PUB invalid message body size 0");
    send({c});
    CHECK(take() == error("E_BAD_MESSAGE PUB invalid message body size 0"));
  }
  CHECK(conn->closed);
  CHECK(world.published.empty());
}

TEST_CASE_METHOD(session_fixture,
                 "PUB to an ephemeral topic that just died is re-resolved",
                 "[session][pub]") {
  start();
  send({cmd("PUB", {"t#ephemeral"}, "1")});
  CHECK(take() == response("OK"));
  auto old = world.topic;
  world.topic = sys.spawn(fake_topic, &world);
  // The session handles the PUB before it learns that the cached topic died.
  caf::anon_send(session, commands_atom::value,
                 std::vector<command>{cmd("PUB", {"t#ephemeral"}, "2")});
  caf::anon_send_exit(old, caf::exit_reason::user_shutdown);
  sched.run();
  CHECK(take() == response("OK"));
  REQUIRE(world.published.size() == 2);
  CHECK(world.published[1] == std::vector<std::string>{"2"});
  CHECK(world.events ==
        std::vector<std::string>{"get_topic t#ephemeral", "get_topic t#ephemeral"});
  CHECK_FALSE(conn->closed);
}

TEST_CASE_METHOD(session_fixture, "commands_done once per batch, after async replies",
                 "[session][flow]") {
  start();
  send({});
  CHECK(conn->batches_done == 1);
  caf::anon_send(session, commands_atom::value,
                 std::vector<command>{cmd("PUB", {"t"}, "1")});
  caf::anon_send(session, commands_atom::value, std::vector<command>{cmd("NOP")});
  sched.run();
  CHECK(conn->batches_done == 3);
  CHECK(take() == response("OK"));
}

TEST_CASE_METHOD(session_fixture,
                 "conn_closed runs what was read, then leaves the channel",
                 "[session][flow]") {
  start();
  subscribe();
  caf::anon_send(
      session, commands_atom::value,
      std::vector<command>{cmd("PUB", {"t"}, "last"), cmd("FIN", {"000000000000000a"})});
  caf::anon_send(session, conn_closed_atom::value);
  sched.run();
  CHECK(world.published.size() == 1);
  CHECK(world.events.back() == "unsubscribe");
  CHECK(world.events[world.events.size() - 2] == "finish 000000000000000a");
  CHECK_FALSE(is_alive(session));
}

// -- with the real broker, topic and channel -----------------------------------------

namespace {

/// Returns the frames in `bytes`; fails the test on a malformed one.
std::vector<frame> frames_of(const std::string& bytes) {
  frame_reader reader;
  reader.feed(bytes);
  std::vector<frame> out;
  while (auto f = reader.next())
    out.push_back(std::move(*f));
  REQUIRE_FALSE(reader.failed());
  return out;
}

/// Checks that `f` is a first delivery of `body` and returns its ID.
std::string check_message(const frame& f, const std::string& body) {
  REQUIRE(f.type == frame_type::message);
  REQUIRE(f.data.size() == message_header_size + body.size());
  CHECK(f.data.substr(8, 2) == std::string("\x00\x01", 2)); // attempts 1
  CHECK(f.data.substr(message_header_size) == body);
  return f.data.substr(10, 16);
}

} // namespace

TEST_CASE_METHOD(actor_fixture,
                 "real broker: PUB, SUB, RDY, delivery, FIN frees the slot",
                 "[session][integration]") {
  auto broker = spawn_broker(sys, config);
  auto pconn = std::make_shared<recording_connection>();
  auto cconn = std::make_shared<recording_connection>();
  auto producer = spawn_session(sys, pconn, broker, config, "10.0.0.1");
  auto consumer = spawn_session(sys, cconn, broker, config, "10.0.0.2");
  auto send = [&](const caf::actor& s, std::vector<command> batch) {
    caf::anon_send(s, commands_atom::value, std::move(batch));
    sched.run();
  };
  send(producer, {cmd("PUB", {"t"}, "hello")});
  CHECK(pconn->written == response("OK"));
  send(consumer, {cmd("SUB", {"t", "c"}), cmd("RDY", {"1"})});
  auto got = frames_of(cconn->written);
  cconn->written.clear();
  REQUIRE(got.size() == 2);
  CHECK(got[0].type == frame_type::response);
  CHECK(got[0].data == "OK");
  auto id = check_message(got[1], "hello");
  // RDY 1 is used up: the next message waits until the FIN.
  send(producer, {cmd("PUB", {"t"}, "world")});
  CHECK(cconn->written.empty());
  send(consumer, {cmd("FIN", {id})});
  got = frames_of(cconn->written);
  REQUIRE(got.size() == 1);
  auto id2 = check_message(got[0], "world");
  CHECK(id2 != id);
  // FIN of an ID not in flight: non-fatal error, the connection stays open.
  cconn->written.clear();
  send(consumer, {cmd("FIN", {id})});
  CHECK(cconn->written == error("E_FIN_FAILED FIN " + id + " failed ID not in flight"));
  CHECK_FALSE(cconn->closed);
  for (auto* s : {&producer, &consumer})
    caf::anon_send(*s, conn_closed_atom::value);
  sched.run();
  CHECK_FALSE(is_alive(consumer));
  CHECK_FALSE(is_alive(producer));
  caf::anon_send_exit(broker, caf::exit_reason::user_shutdown);
  sched.run();
}

// -- write backpressure -----------------------------------------------------------

} // namespace nsq::test
