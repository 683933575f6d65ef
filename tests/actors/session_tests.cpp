// The session actor under CAF's deterministic scheduler: a recording
// connection instead of a socket, small fake broker/topic/channel actors
// instead of the real ones. Every check compares the exact frames written.

#include "actors/broker.hpp"
#include "actors/cluster_messages.hpp"
#include "actors/delivery_batch.hpp"
#include "actors/flow_control.hpp"
#include "actors/id_batch.hpp"
#include "actors/publish_credit.hpp"
#include "actors/session.hpp"
#include "fixture.hpp"
#include "protocol/frame.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace nsq::test {
namespace {

// -- fakes --------------------------------------------------------------------

/// What the fake actors saw and how they answer. Used from the test
/// scheduler's single thread only.
struct fake_world {
  std::vector<std::string> events;                 ///< channel/topic messages, in order
  std::vector<std::vector<std::string>> published; ///< bodies per publish
  std::vector<caf::timespan> defers;
  std::vector<consumer_info> consumers;
  std::string publish_reply; ///< "" = success
  uint64_t grant = 0;        ///< credit the topic grants with each publish reply
  std::vector<std::string> topic_events; ///< publishes (request or credited), returns
  std::string subscribe_reply;           ///< "" = success
  std::vector<std::string> cluster_subs; ///< cl_sub seen by the broker ("t/c")
  caf::actor topic;
  caf::actor channel;
};

struct fake_state {
  fake_world* world = nullptr;
  static inline const char* name = "fake";
};
using fake_actor = caf::stateful_actor<fake_state>;

caf::behavior fake_channel(fake_actor* self, fake_world* w) {
  self->state.world = w;
  return {
      [=](subscribe_atom, const consumer_info& info) {
        w->consumers.push_back(info);
        w->events.push_back("subscribe");
        return w->subscribe_reply;
      },
      [=](ready_atom, int64_t n) { w->events.push_back("ready " + std::to_string(n)); },
      [=](credit_atom, int64_t n) { w->events.push_back("credit " + std::to_string(n)); },
      [=](finish_atom, const id_batch& batch) {
        std::string e = "finish";
        for (auto& id : batch.ids)
          e += " " + to_string(id);
        w->events.push_back(e);
      },
      [=](requeue_atom, const message_id& id, caf::timespan delay) {
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(delay).count();
        w->events.push_back("requeue " + to_string(id) + " " + std::to_string(ms));
      },
      [=](touch_atom, const message_id& id) {
        w->events.push_back("touch " + to_string(id));
      },
      [=](unsubscribe_atom) { w->events.push_back("unsubscribe"); },
  };
}

caf::behavior fake_topic(fake_actor* self, fake_world* w) {
  self->state.world = w;
  return {
      [=](publish_atom, std::vector<std::string>& bodies, caf::timespan defer,
          pub_grant_atom) {
        w->topic_events.push_back("request " + bodies.front());
        w->published.push_back(std::move(bodies));
        w->defers.push_back(defer);
        if (w->grant > 0) // as the topic does: the grant goes out before the reply
          self->send(caf::actor_cast<caf::actor>(self->current_sender()),
                     pub_grant_atom::value, w->grant);
        return w->publish_reply;
      },
      [=](pub_credited_atom, std::vector<std::string>& bodies, caf::timespan defer) {
        w->topic_events.push_back("credited " + bodies.front());
        w->published.push_back(std::move(bodies));
        w->defers.push_back(defer);
      },
      [=](pub_return_atom) { w->topic_events.push_back("return"); },
      [=](get_channel_atom, const std::string& name) {
        w->events.push_back("get_channel " + name);
        return w->channel;
      },
  };
}

caf::behavior fake_broker(fake_actor* self, fake_world* w) {
  self->state.world = w;
  return {
      [=](get_topic_atom, const std::string& name) {
        w->events.push_back("get_topic " + name);
        return w->topic;
      },
      [=](producer_atom) {}, // a first publish lists the session under /stats producers
      [=](cl_sub_atom, const std::string& t, const std::string& c) {
        w->cluster_subs.push_back(t + "/" + c);
      },
  };
}

// -- helpers ------------------------------------------------------------------

command cmd(std::string name, std::vector<std::string> params = {},
            std::string body = {}) {
  command c;
  c.name = std::move(name);
  c.params = std::move(params);
  c.body = std::move(body);
  return c;
}

std::string response(std::string_view data) {
  return make_frame(frame_type::response, data);
}
std::string error(std::string_view data) {
  return make_frame(frame_type::error, data);
}

/// Encodes a message frame by hand (independently of append_message_frame).
std::string message_frame(int64_t ts, uint16_t attempts, const std::string& id,
                          const std::string& body) {
  std::string out;
  auto be = [&](uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i)
      out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  be(4 + 26 + body.size(), 4);
  be(2, 4);
  be(static_cast<uint64_t>(ts), 8);
  be(attempts, 2);
  out += id;
  out += body;
  return out;
}

message_id mid(const std::string& s) {
  return *make_message_id(s);
}

delivery make_delivery(const std::string& id, int64_t ts, const std::string& body,
                       uint16_t attempts) {
  return delivery{caf::make_cow_tuple(message_data{mid(id), ts, body}), attempts};
}

/// Also records each write separately, to see how frames were coalesced.
struct counting_connection : recording_connection {
  std::vector<std::string> writes;
  void write(std::string bytes) override {
    writes.push_back(bytes);
    recording_connection::write(std::move(bytes));
  }
};

struct session_fixture : actor_fixture {
  fake_world world;
  std::shared_ptr<counting_connection> conn = std::make_shared<counting_connection>();
  caf::actor broker;
  caf::actor session;

  session_fixture() {
    world.channel = sys.spawn(fake_channel, &world);
    world.topic = sys.spawn(fake_topic, &world);
    broker = sys.spawn(fake_broker, &world);
  }

  ~session_fixture() {
    for (auto* a : {&world.channel, &world.topic, &broker, &session})
      if (*a)
        caf::anon_send_exit(*a, caf::exit_reason::user_shutdown);
    world.channel = nullptr;
    world.topic = nullptr;
    sched.run();
  }

  void start() {
    session = spawn_session(sys, conn, broker, config, "10.0.0.7");
    sched.run();
  }

  void send(std::vector<command> batch) {
    caf::anon_send(session, commands_atom::value, std::move(batch));
    sched.run();
  }

  /// Returns what was written since the last call.
  std::string take() {
    std::string out;
    out.swap(conn->written);
    return out;
  }

  /// Subscribes to t/c and checks the OK.
  void subscribe() {
    send({cmd("SUB", {"t", "c"})});
    REQUIRE(take() == response("OK"));
  }
};

// -- heartbeats and the read deadline ------------------------------------------

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
  m.messages = {"3", "3b"};
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
  m.messages = {"a", "b"};
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
    m.messages = {"a"};
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

} // namespace
} // namespace nsq::test
