#include "actors/broker.hpp"
#include "actors/topic_state.hpp"
#include "tests/actors/delivery_helpers.hpp"

#include <catch2/catch.hpp>

using namespace nsq;
using namespace nsq::test;

namespace {

struct broker_fixture : delivery_fixture {
  caf::actor broker;

  broker_fixture() {
    broker = spawn_broker(sys, config);
    to_stop.push_back(broker);
    sched.run();
  }

  caf::actor topic(const std::string& name) {
    return ask_actor(broker, get_topic_atom::value, name);
  }
};

} // namespace

TEST_CASE_METHOD(broker_fixture, "broker gets or creates topics by name", "[broker]") {
  auto t1 = topic("t1");
  auto t2 = topic("t2");
  REQUIRE(t1);
  REQUIRE(t2);
  CHECK(t1 != t2);
  CHECK(topic("t1") == t1);
  CHECK(state_of<topic_state>(t1).topic_name == "t1");
}

TEST_CASE_METHOD(broker_fixture, "broker refuses invalid topic names", "[broker]") {
  CHECK_FALSE(topic("no spaces"));
  CHECK_FALSE(topic(""));
  CHECK_FALSE(topic(std::string(65, 'a')));
}

TEST_CASE_METHOD(broker_fixture, "broker forgets an ephemeral topic when it quits",
                 "[broker]") {
  auto t = topic("t#ephemeral");
  REQUIRE(t);
  auto ch = ask_actor(t, get_channel_atom::value, std::string{"c#ephemeral"});
  REQUIRE(ch);
  consumer_log log;
  auto c = consumer(ch, log);
  subscribe(c);
  caf::anon_send_exit(c, caf::exit_reason::user_shutdown); // the session disconnects
  sched.run();
  CHECK_FALSE(is_alive(ch));
  CHECK_FALSE(is_alive(t));
  auto again = topic("t#ephemeral");
  REQUIRE(again);
  CHECK(again != t);
  CHECK(is_alive(again));
}

TEST_CASE_METHOD(broker_fixture, "exit stops every topic and channel, then the broker",
                 "[broker]") {
  auto t1 = topic("t1");
  auto t2 = topic("t2");
  auto ch = ask_actor(t1, get_channel_atom::value, std::string{"c"});
  REQUIRE(ch);
  caf::anon_send_exit(broker, caf::exit_reason::user_shutdown);
  sched.run();
  CHECK_FALSE(is_alive(broker));
  CHECK_FALSE(is_alive(t1));
  CHECK_FALSE(is_alive(t2));
  CHECK_FALSE(is_alive(ch));
}
