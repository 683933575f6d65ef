// The session actor (fixture: session_fixture.hpp): states and their
// errors, heartbeats and the read deadline, IDENTIFY, SUB.

#include "session_fixture.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace nsq::test {

TEST_CASE_METHOD(session_fixture,
                 "heartbeat every 30 s, close after 60 s without a command",
                 "[session][heartbeat]") {
  start();
  advance(29999ms);
  CHECK(conn->written.empty());
  advance(1ms);
  CHECK(take() == response("_heartbeat_"));
  CHECK_FALSE(conn->aborted);
  advance(29999ms);
  CHECK_FALSE(conn->closed);
  CHECK(conn->written.empty());
  advance(1ms);
  // nsqd's writer sends the heartbeat due now, then its reader times out.
  CHECK(take() == response("_heartbeat_"));
  CHECK(conn->closed);
  CHECK_FALSE(conn->aborted);
  CHECK(conn->written.empty()); // silent: no error frame
  CHECK(is_alive(session));     // waits for conn_closed
  caf::anon_send(session, conn_closed_atom::value);
  sched.run();
  CHECK_FALSE(is_alive(session));
}

TEST_CASE_METHOD(session_fixture,
                 "IDENTIFY 1 s heartbeat: NOP keeps it alive, deadline 2 s",
                 "[session][heartbeat]") {
  start();
  send({cmd("IDENTIFY", {}, R"({"heartbeat_interval":1000})")});
  CHECK(take() == response("OK"));
  advance(999ms);
  CHECK(conn->written.empty());
  advance(1ms);
  CHECK(take() == response("_heartbeat_"));
  advance(500ms);
  send({cmd("NOP")}); // t = 1.5 s: deadline moves to 3.5 s
  CHECK(conn->written.empty());
  advance(500ms); // 2.0
  CHECK(take() == response("_heartbeat_"));
  advance(1000ms); // 3.0
  CHECK(take() == response("_heartbeat_"));
  advance(499ms); // 3.499
  CHECK_FALSE(conn->closed);
  advance(1ms); // 3.5: exactly 2 intervals after the NOP
  CHECK(conn->closed);
  CHECK(conn->written.empty()); // no error frame
  // The old 30 s ticker was replaced: no heartbeat from it.
  advance(60s);
  CHECK(conn->written.empty());
}

TEST_CASE_METHOD(session_fixture,
                 "repeated IDENTIFY keeps the first ticker and adds no timers",
                 "[session][heartbeat]") {
  start();
  send({cmd("IDENTIFY", {}, R"({"heartbeat_interval":1000})")});
  CHECK(take() == response("OK"));
  auto timers = sched.clock().schedule().size();
  for (int i = 0; i < 100; ++i)
    send({cmd("IDENTIFY", {}, R"({"heartbeat_interval":5000})")});
  CHECK(sched.clock().schedule().size() == timers);
  conn->written.clear();
  advance(1000ms); // the first IDENTIFY's 1 s ticker still runs (nsqd §6.6)
  CHECK(take() == response("_heartbeat_"));
  advance(3000ms); // the read deadline follows the latest: 2 x 5 s
  CHECK_FALSE(conn->closed);
}

TEST_CASE_METHOD(session_fixture, "IDENTIFY -1 disables heartbeats and the read deadline",
                 "[session][heartbeat]") {
  start();
  send({cmd("IDENTIFY", {}, R"({"heartbeat_interval":-1})"), cmd("SUB", {"t", "c"}),
        cmd("NOP")});
  CHECK(take() ==
        response("OK") + error("E_INVALID cannot SUB with heartbeats disabled"));
  CHECK(conn->closed);
  CHECK(conn->batches_done == 1);
  CHECK(world.events.empty());
}

TEST_CASE_METHOD(session_fixture, "producer without heartbeats is never timed out",
                 "[session][heartbeat]") {
  start();
  send({cmd("IDENTIFY", {}, R"({"heartbeat_interval":-1})")});
  CHECK(take() == response("OK"));
  advance(10min);
  CHECK(conn->written.empty());
  CHECK_FALSE(conn->aborted);
}

// -- state machine ------------------------------------------------------------

TEST_CASE_METHOD(session_fixture,
                 "commands not allowed in init are fatal with exact texts",
                 "[session][state]") {
  auto verb = GENERATE(as<std::string>{}, "RDY", "FIN", "REQ", "TOUCH", "CLS");
  start();
  std::vector<std::string> params;
  if (verb == "FIN" || verb == "TOUCH")
    params = {"0123456789abcdef"};
  if (verb == "REQ")
    params = {"0123456789abcdef", "0"};
  send({cmd(verb, params), cmd("NOP"), cmd("PUB", {"t"}, "x")});
  CHECK(take() == error("E_INVALID cannot " + verb + " in current state"));
  CHECK(conn->closed);
  CHECK(world.published.empty()); // later commands are ignored
  CHECK(conn->batches_done == 1);
}

TEST_CASE_METHOD(session_fixture,
                 "commands only allowed in init are fatal once subscribed",
                 "[session][state]") {
  auto verb = GENERATE(as<std::string>{}, "IDENTIFY", "AUTH", "SUB");
  start();
  subscribe();
  std::vector<std::string> params;
  if (verb == "SUB")
    params = {"t", "c"};
  send({cmd(verb, params, "{}")});
  CHECK(take() == error("E_INVALID cannot " + verb + " in current state"));
  CHECK(conn->closed);
}

TEST_CASE_METHOD(session_fixture, "unknown and empty commands", "[session][state]") {
  start();
  SECTION("lower-case nop") {
    send({cmd("nop")});
    CHECK(take() == error("E_INVALID invalid command nop"));
  }
  SECTION("empty line keeps the trailing space") {
    send({cmd("")});
    CHECK(take() == error("E_INVALID invalid command "));
  }
  CHECK(conn->closed);
}

TEST_CASE_METHOD(session_fixture, "AUTH without auth configured", "[session][state]") {
  start();
  SECTION("disabled") {
    send({cmd("AUTH", {}, "secret")});
    CHECK(take() == error("E_AUTH_DISABLED AUTH disabled"));
  }
  SECTION("params are checked first") {
    send({cmd("AUTH", {"x"}, "secret")});
    CHECK(take() == error("E_INVALID AUTH invalid number of parameters"));
  }
  CHECK(conn->closed);
}

TEST_CASE_METHOD(session_fixture,
                 "CLS answers CLOSE_WAIT, then RDY is ignored, FIN allowed",
                 "[session][state]") {
  start();
  subscribe();
  send({cmd("CLS"), cmd("RDY", {"5"}), cmd("FIN", {"0123456789abcdef"}), cmd("NOP")});
  CHECK(take() == response("CLOSE_WAIT"));
  CHECK_FALSE(conn->closed);
  CHECK(world.events.back() == "finish 0123456789abcdef");
  CHECK(world.events[world.events.size() - 2] == "ready 0");
  send({cmd("CLS")});
  CHECK(take() == error("E_INVALID cannot CLS in current state"));
  CHECK(conn->closed);
}

TEST_CASE_METHOD(session_fixture, "a fatal error stops every later command",
                 "[session][state]") {
  start();
  subscribe();
  send({cmd("RDY", {"x"}), cmd("RDY", {"1"}), cmd("PUB", {"t"}, "x")});
  CHECK(take() == error("E_INVALID RDY could not parse count x"));
  CHECK(conn->closed);
  send({cmd("RDY", {"2"}), cmd("NOP")});
  CHECK(conn->written.empty());
  CHECK(world.published.empty());
  CHECK(world.events ==
        std::vector<std::string>{"get_topic t", "get_channel c", "subscribe"});
  CHECK(conn->batches_done == 3);
  caf::anon_send(session, conn_closed_atom::value);
  sched.run();
  CHECK(world.events.back() == "unsubscribe");
  CHECK_FALSE(is_alive(session));
}

// -- IDENTIFY -----------------------------------------------------------------

TEST_CASE_METHOD(session_fixture, "IDENTIFY answers OK or the negotiated JSON",
                 "[session][identify]") {
  start();
  SECTION("without feature_negotiation") {
    send({cmd("IDENTIFY", {}, R"({"client_id":"a","tls_v1":true})")});
    CHECK(take() == response("OK"));
  }
  SECTION("with feature_negotiation") {
    send({cmd("IDENTIFY", {}, R"({"feature_negotiation":true,"msg_timeout":5000})")});
    CHECK(
        take() ==
        response(R"({"max_rdy_count":2500,"version":"1.3.0","max_msg_timeout":900000,)"
                 R"("msg_timeout":5000,"tls_v1":false,"deflate":false,"deflate_level":6,)"
                 R"("max_deflate_level":6,"snappy":false,"sample_rate":0,)"
                 R"("auth_required":false,"output_buffer_size":16384,)"
                 R"("output_buffer_timeout":250})"));
  }
  CHECK_FALSE(conn->closed);
}

TEST_CASE_METHOD(session_fixture, "IDENTIFY settings reach the channel on SUB",
                 "[session][identify]") {
  start();
  send({cmd("IDENTIFY", {},
            R"({"client_id":"cid","hostname":"h","user_agent":"ua/1","msg_timeout":5000,)"
            R"("sample_rate":10})"),
        cmd("SUB", {"t", "c"})});
  CHECK(take() == response("OK") + response("OK"));
  REQUIRE(world.consumers.size() == 1);
  const auto& c = world.consumers[0];
  CHECK(c.client_id == "cid");
  CHECK(c.hostname == "h");
  CHECK(c.user_agent == "ua/1");
  CHECK(c.msg_timeout_ms == 5000);
  CHECK(c.sample_rate == 10);
  CHECK(c.remote_address == "10.0.0.7");
}

TEST_CASE_METHOD(session_fixture, "IDENTIFY errors are fatal", "[session][identify]") {
  start();
  SECTION("validation") {
    send({cmd("IDENTIFY", {}, R"({"heartbeat_interval":999})")});
    CHECK(take() == error("E_BAD_BODY IDENTIFY heartbeat interval (999) is invalid"));
  }
  SECTION("bad JSON") {
    send({cmd("IDENTIFY", {}, "{")});
    CHECK(take() == error("E_BAD_BODY IDENTIFY failed to decode JSON body"));
  }
  SECTION("body error reported") {
    auto c = cmd("IDENTIFY");
    c.body_error = fatal_error(codes::bad_body, "IDENTIFY invalid body size 0");
    send({c});
    CHECK(take() == error("E_BAD_BODY IDENTIFY invalid body size 0"));
  }
  CHECK(conn->closed);
}

// -- SUB ------------------------------------------------------------------------

TEST_CASE_METHOD(session_fixture, "SUB and RDY in one batch", "[session][sub]") {
  start();
  send({cmd("SUB", {"t", "c"}), cmd("RDY", {"3"}), cmd("RDY")});
  CHECK(take() == response("OK"));
  CHECK(world.events == std::vector<std::string>{"get_topic t", "get_channel c",
                                                 "subscribe", "ready 3", "ready 1"});
  CHECK(conn->batches_done == 1);
  // The broker hears of it once, for the cluster's channel directory.
  CHECK(world.cluster_subs == std::vector<std::string>{"t/c"});
}

TEST_CASE_METHOD(session_fixture, "SUB refused by the channel", "[session][sub]") {
  world.subscribe_reply = "exiting";
  start();
  send({cmd("SUB", {"t", "c"}), cmd("RDY", {"1"})});
  CHECK(take() == error("E_SUB_FAILED SUB failed exiting"));
  CHECK(conn->closed);
  CHECK(world.events.back() == "subscribe");
  CHECK(world.cluster_subs.empty()); // a failed SUB is no interest
}

TEST_CASE_METHOD(session_fixture, "SUB to a channel that died is retried once",
                 "[session][sub]") {
  caf::anon_send_exit(world.channel, caf::exit_reason::user_shutdown);
  sched.run();
  start();
  send({cmd("SUB", {"t", "c#ephemeral"})});
  CHECK(conn->written.empty());
  CHECK(conn->batches_done == 0); // still waiting
  advance(100ms);
  CHECK(take() == error("E_SUB_FAILED SUB failed to deleted topic/channel"));
  CHECK(conn->closed);
  CHECK(conn->batches_done == 1);
  CHECK(world.events == std::vector<std::string>{"get_topic t", "get_channel c#ephemeral",
                                                 "get_topic t",
                                                 "get_channel c#ephemeral"});
}

TEST_CASE_METHOD(session_fixture, "SUB name errors", "[session][sub]") {
  start();
  send({cmd("SUB", {"t"})});
  CHECK(take() == error("E_INVALID SUB insufficient number of parameters"));
  CHECK(conn->closed);
}

TEST_CASE_METHOD(session_fixture, "the channel going away closes the connection",
                 "[session][sub]") {
  start();
  subscribe();
  caf::anon_send_exit(world.channel, caf::exit_reason::user_shutdown);
  sched.run();
  CHECK(conn->closed);
  CHECK(conn->written.empty());
}

// -- FIN / REQ / TOUCH ----------------------------------------------------------

} // namespace nsq::test
