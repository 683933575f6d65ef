// The session actor (fixture: session_fixture.hpp) as a consumer: FIN, REQ
// and TOUCH, deliveries written byte-exact, output buffering, write credit.

#include "actors/session_state.hpp"
#include "delivery_helpers.hpp"
#include "session_fixture.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace nsq::test {

TEST_CASE_METHOD(session_fixture, "FINs of one batch go as one message, in order",
                 "[session][ack]") {
  start();
  subscribe();
  send({cmd("FIN", {"000000000000000a"}), cmd("FIN", {"000000000000000b"}),
        cmd("REQ", {"000000000000000c", "2500"}), cmd("FIN", {"000000000000000d"}),
        cmd("TOUCH", {"000000000000000e"}), cmd("RDY", {"7"})});
  CHECK(conn->written.empty());
  CHECK(world.events == std::vector<std::string>{
                            "get_topic t", "get_channel c", "subscribe",
                            "finish 000000000000000a 000000000000000b",
                            "requeue 000000000000000c 2500", "finish 000000000000000d",
                            "touch 000000000000000e", "ready 7"});
  CHECK(conn->batches_done == 2);
}

/// A FIN command as the parser merges a run of FIN lines.
command fin_run(std::vector<std::string> ids) {
  command c;
  c.name = "FIN";
  c.id = make_message_id(ids.front());
  for (size_t i = 1; i < ids.size(); ++i)
    c.more_ids.push_back(*make_message_id(ids[i]));
  return c;
}

TEST_CASE_METHOD(session_fixture, "a merged run of FINs acts as its single FINs",
                 "[session][ack]") {
  start();
  subscribe();
  send({fin_run({"000000000000000a", "000000000000000b", "000000000000000c"}),
        cmd("REQ", {"000000000000000d", "0"}), fin_run({"000000000000000e"})});
  CHECK(conn->written.empty());
  CHECK(world.events == std::vector<std::string>{
                            "get_topic t", "get_channel c", "subscribe",
                            "finish 000000000000000a 000000000000000b 000000000000000c",
                            "requeue 000000000000000d 0", "finish 000000000000000e"});
  CHECK(state_of<session_state>(session).counters.finish_count == 4);
}

TEST_CASE_METHOD(session_fixture, "a merged run of FINs before SUB is one fatal error",
                 "[session][ack]") {
  start();
  send({fin_run({"000000000000000a", "000000000000000b"})});
  CHECK(take() == error("E_INVALID cannot FIN in current state"));
  CHECK(conn->closed);
  CHECK(state_of<session_state>(session).counters.finish_count == 0);
}

TEST_CASE_METHOD(session_fixture, "REQ delay above the maximum is clamped",
                 "[session][ack]") {
  config->max_req_timeout = 1000ms;
  start();
  subscribe();
  send({cmd("REQ", {"000000000000000c", "5000"})});
  CHECK(conn->written.empty());
  CHECK(world.events.back() == "requeue 000000000000000c 1000");
}

TEST_CASE_METHOD(session_fixture, "FIN parameter errors are fatal", "[session][ack]") {
  start();
  subscribe();
  SECTION("short id") {
    send({cmd("FIN", {"abc"})});
    CHECK(take() == error("E_INVALID invalid message ID"));
  }
  SECTION("missing id") {
    send({cmd("FIN")});
    CHECK(take() == error("E_INVALID FIN insufficient number of params"));
  }
  CHECK(conn->closed);
}

TEST_CASE_METHOD(session_fixture, "op_failed is a non-fatal error frame",
                 "[session][ack]") {
  start();
  subscribe();
  caf::anon_send(
      session, op_failed_atom::value,
      non_fatal_error(codes::fin_failed, "FIN 000000000000000a failed ID not in flight"));
  sched.run();
  CHECK(take() == error("E_FIN_FAILED FIN 000000000000000a failed ID not in flight"));
  CHECK_FALSE(conn->closed);
  send({cmd("RDY", {"1"})});
  CHECK(world.events.back() == "ready 1");
}

// -- deliveries and output buffering -----------------------------------------------

TEST_CASE_METHOD(session_fixture, "deliveries are encoded byte-exact in one write",
                 "[session][deliver]") {
  // The example of reference §3.3, byte for byte, checks the hand encoder.
  REQUIRE(message_frame(0x18eb7dbf42250c77, 1, "18a8d3bc74807000", "hello") ==
          std::string("\x00\x00\x00\x23"
                      "\x00\x00\x00\x02"
                      "\x18\xeb\x7d\xbf\x42\x25\x0c\x77"
                      "\x00\x01"
                      "18a8d3bc74807000"
                      "hello",
                      39));
  start();
  subscribe();
  conn->writes.clear();
  std::vector<delivery> batch{
      make_delivery("18a8d3bc74807000", 0x18eb7dbf42250c77, "hello", 1),
      make_delivery("18a8d3bc74807001", 42, "", 65535)};
  caf::anon_send(session, deliver_atom::value, delivery_batch{batch});
  caf::anon_send(session, deliver_atom::value,
                 delivery_batch{{make_delivery("18a8d3bc74807002", 7, "x", 2)}});
  sched.run();
  auto expected = message_frame(0x18eb7dbf42250c77, 1, "18a8d3bc74807000", "hello") +
                  message_frame(42, 65535, "18a8d3bc74807001", "") +
                  message_frame(7, 2, "18a8d3bc74807002", "x");
  // Both deliveries were in the mailbox before the flush: one write.
  REQUIRE(conn->writes.size() == 1);
  CHECK(conn->writes[0] == expected);
}

TEST_CASE_METHOD(session_fixture, "a full output buffer is written at once",
                 "[session][deliver]") {
  start();
  send({cmd("IDENTIFY", {}, R"({"output_buffer_size":64})"), cmd("SUB", {"t", "c"})});
  CHECK(take() == response("OK") + response("OK"));
  conn->writes.clear();
  std::string body(40, 'b'); // 70-byte frames: each one fills the 64-byte buffer
  caf::anon_send(session, deliver_atom::value,
                 delivery_batch{{make_delivery("0000000000000001", 1, body, 1)}});
  caf::anon_send(session, deliver_atom::value,
                 delivery_batch{{make_delivery("0000000000000002", 1, body, 1)}});
  sched.run();
  REQUIRE(conn->writes.size() == 2);
  CHECK(conn->writes[0] == message_frame(1, 1, "0000000000000001", body));
  CHECK(conn->writes[1] == message_frame(1, 1, "0000000000000002", body));
}

// -- publishing -------------------------------------------------------------------------

TEST_CASE_METHOD(session_fixture, "the write deadline follows the heartbeat interval",
                 "[session][backpressure]") {
  start();
  CHECK(conn->write_timeout == 30000ms);
  send({cmd("IDENTIFY", {}, R"({"heartbeat_interval":1000})")});
  CHECK(take() == response("OK"));
  CHECK(conn->write_timeout == 1000ms);
}

TEST_CASE_METHOD(session_fixture,
                 "credit is granted as the connection reports bytes written",
                 "[session][backpressure]") {
  start();
  subscribe();
  world.events.clear();
  const std::string body(100 * 1000, 'x');
  std::vector<delivery> batch;
  for (int i = 0; i < 3; ++i)
    batch.push_back(make_delivery("000000000000000" + std::to_string(i), 1, body, 1));
  caf::anon_send(session, deliver_atom::value, delivery_batch{batch});
  sched.run();
  auto sent = take().size();
  CHECK(sent == 3 * (34 + body.size()));
  // Less than a step written: too little room to bother the channel.
  caf::anon_send(session, written_atom::value, uint64_t{10000});
  sched.run();
  CHECK(world.events.empty());
  // All written (the SUB's OK too): the channel may deliver a full window
  // again, its overshoot repaid.
  caf::anon_send(session, written_atom::value, uint64_t{response("OK").size() + sent});
  sched.run();
  CHECK(world.events == std::vector<std::string>{"credit " + std::to_string(sent)});
}

} // namespace nsq::test
