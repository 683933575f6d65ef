#include "actors/channel_state.hpp"
#include "actors/topic.hpp"
#include "actors/topic_state.hpp"
#include "tests/actors/topic_fixture.hpp"

#include <catch2/catch.hpp>

#include <chrono>

using namespace std::chrono_literals;
using namespace nsq;
using namespace nsq::test;

TEST_CASE_METHOD(topic_fixture, "topic holds messages until a channel exists",
                 "[topic]") {
  config->node_id = 7;
  make_topic("t");
  auto before = std::chrono::system_clock::now();
  CHECK(publish(numbered_bodies(1, 2)) == "");
  CHECK(publish(numbered_bodies(3, 1)) == "");
  CHECK(state().held.size() == 3);
  auto ch = channel("c");
  REQUIRE(ch);
  CHECK(state().held.empty());
  CHECK(channel("c") == ch); // get-or-create
  consumer_log log;
  auto c = consumer(ch, log);
  subscribe(c);
  ready(c, 10);
  REQUIRE(log.delivered.size() == 3);
  CHECK(log.body(0) == "b1");
  CHECK(log.body(1) == "b2");
  CHECK(log.body(2) == "b3");
  CHECK(log.delivered[0].attempts == 1);
  CHECK(to_string(log.id(0)) < to_string(log.id(1))); // IDs increase
  CHECK(to_string(log.id(1)) < to_string(log.id(2)));
  CHECK(to_string(log.id(0)).substr(13, 3) == "000"); // node 7, seq 0: "...7000"
  CHECK(to_string(log.id(0))[12] == '7');
  auto ts = std::chrono::nanoseconds{data_of(log.delivered[0].msg).timestamp};
  auto delta = ts - before.time_since_epoch();
  CHECK(delta >= 0ns);
  CHECK(delta < 10s);
}

TEST_CASE_METHOD(topic_fixture,
                 "two channels each receive every message, sharing the data", "[topic]") {
  make_topic("t");
  auto c1 = channel("c1");
  auto c2 = channel("c2");
  REQUIRE(c1 != c2);
  consumer_log l1, l2;
  auto a = consumer(c1, l1);
  auto b = consumer(c2, l2);
  subscribe(a);
  subscribe(b);
  ready(a, 10);
  ready(b, 10);
  CHECK(publish(numbered_bodies(1, 3)) == "");
  REQUIRE(l1.delivered.size() == 3);
  REQUIRE(l2.delivered.size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    CHECK(l1.id(i) == l2.id(i));
    CHECK(l1.body(i) == l2.body(i));
    // built once: both channels hold the very same message data
    CHECK(&data_of(l1.delivered[i].msg) == &data_of(l2.delivered[i].msg));
  }
}

TEST_CASE_METHOD(topic_fixture, "a deferred publish is delivered only after the defer",
                 "[topic]") {
  make_topic("t");
  auto ch = channel("c");
  consumer_log log;
  auto c = consumer(ch, log);
  subscribe(c);
  ready(c, 10);
  CHECK(publish({"later"}, 3s) == "");
  CHECK(log.delivered.empty());
  advance(2999ms);
  CHECK(log.delivered.empty());
  advance(1ms);
  REQUIRE(log.delivered.size() == 1);
  CHECK(log.body(0) == "later");
}

TEST_CASE_METHOD(topic_fixture, "flow control: the topic refuses beyond its bound",
                 "[topic]") {
  config->mem_queue_size = 4;
  make_topic("t");
  auto ch = channel("c");
  CHECK(publish(numbered_bodies(1, 4)) == ""); // fills the channel
  CHECK(state_of<channel_state>(ch).queue.size() == 4);
  CHECK(publish(numbered_bodies(5, 3)) == ""); // held by the topic
  CHECK(state().held.size() == 3);
  CHECK(publish(numbered_bodies(8, 2)) == "queue full"); // all or nothing
  CHECK(state().held.size() == 3);
  CHECK(publish(numbered_bodies(8, 1)) == "");
  CHECK(publish(numbered_bodies(9, 1)) == "queue full");
  CHECK(state().held.size() == 4);
  CHECK(state_of<channel_state>(ch).queue.size() == 4); // never beyond the bound
  // A consumer drains the channel: held messages follow, in order.
  consumer_log log;
  auto c = consumer(ch, log);
  subscribe(c);
  ready(c, 100);
  REQUIRE(log.delivered.size() == 8);
  for (size_t i = 0; i < 8; ++i)
    CHECK(log.body(i) == "b" + std::to_string(i + 1));
  CHECK(state().held.empty());
  CHECK(publish(numbered_bodies(9, 4)) == "");
  CHECK(log.delivered.size() == 12);
}

TEST_CASE_METHOD(topic_fixture, "an ephemeral topic drops its newest overflow",
                 "[topic]") {
  config->mem_queue_size = 3;
  make_topic("t#ephemeral");
  CHECK(publish(numbered_bodies(1, 2)) == "");
  CHECK(publish(numbered_bodies(3, 3)) ==
        ""); // b4 and b5 do not fit: dropped, not refused
  CHECK(state().held.size() == 3);
  CHECK(state().message_count == 5); // nsqd counts what it accepted
  auto ch = channel("c");
  consumer_log log;
  auto c = consumer(ch, log);
  subscribe(c);
  ready(c, 10);
  REQUIRE(log.delivered.size() == 3);
  CHECK(log.body(0) == "b1");
  CHECK(log.body(2) == "b3");
}

TEST_CASE_METHOD(topic_fixture,
                 "a held DPUB keeps its place and its delay starts at the channel",
                 "[topic]") {
  make_topic("t");
  CHECK(publish({"now1"}) == "");
  CHECK(publish({"later"}, 3s) == "");
  CHECK(publish({"now2", "now3"}) == "");
  CHECK(state().held.size() == 4);
  advance(10s); // held time does not count towards the defer
  auto ch = channel("c");
  consumer_log log;
  auto c = consumer(ch, log);
  subscribe(c);
  ready(c, 10);
  REQUIRE(log.delivered.size() == 3);
  CHECK(log.body(0) == "now1");
  CHECK(log.body(1) == "now2");
  CHECK(log.body(2) == "now3");
  CHECK(to_string(log.id(0)) < to_string(log.id(1)));
  advance(2999ms);
  CHECK(log.delivered.size() == 3);
  advance(1ms);
  REQUIRE(log.delivered.size() == 4);
  CHECK(log.body(3) == "later");
  CHECK(to_string(log.id(0)) < to_string(log.id(3))); // its ID is from publish time
  CHECK(to_string(log.id(3)) < to_string(log.id(1)));
}

TEST_CASE_METHOD(topic_fixture, "an ephemeral channel is not waited for", "[topic]") {
  config->mem_queue_size = 2;
  make_topic("t");
  auto ch = channel("c#ephemeral");
  CHECK(publish(numbered_bodies(1, 2)) == "");
  CHECK(publish(numbered_bodies(3, 2)) == ""); // the channel drops its overflow
  CHECK(state().held.empty());
  CHECK(state_of<channel_state>(ch).queue.size() == 2);
  CHECK(state_of<channel_state>(ch).message_count == 4);
}

TEST_CASE_METHOD(topic_fixture, "ephemeral topic quits when its last channel is gone",
                 "[topic]") {
  make_topic("t#ephemeral");
  CHECK(publish(numbered_bodies(1, 1)) == "");
  auto c1 = channel("c1#ephemeral");
  auto c2 = channel("c2#ephemeral");
  consumer_log l1, l2;
  auto a = consumer(c1, l1);
  auto b = consumer(c2, l2);
  subscribe(a);
  subscribe(b);
  caf::anon_send(a, unsubscribe_atom::value);
  sched.run();
  CHECK_FALSE(is_alive(c1));
  CHECK(is_alive(topic));
  CHECK(state().channels.size() == 1);
  caf::anon_send(b, unsubscribe_atom::value);
  sched.run();
  CHECK_FALSE(is_alive(c2));
  CHECK_FALSE(is_alive(topic));
}

TEST_CASE_METHOD(topic_fixture, "ephemeral topic that never had a channel stays",
                 "[topic]") {
  make_topic("t#ephemeral");
  CHECK(publish(numbered_bodies(1, 1)) == "");
  advance(1h);
  CHECK(is_alive(topic));
}

TEST_CASE_METHOD(topic_fixture, "exit stops the topic and its channels", "[topic]") {
  make_topic("t");
  auto c1 = channel("c1");
  auto c2 = channel("c2");
  caf::anon_send_exit(topic, caf::exit_reason::user_shutdown);
  sched.run();
  CHECK_FALSE(is_alive(topic));
  CHECK_FALSE(is_alive(c1));
  CHECK_FALSE(is_alive(c2));
}

TEST_CASE_METHOD(topic_fixture, "invalid channel names are refused", "[topic]") {
  make_topic("t");
  CHECK_FALSE(channel("bad name"));
  CHECK(state().channels.empty());
}
