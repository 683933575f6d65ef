// Stats and administration handlers of channel and topic actors (pause,
// empty, delete, stats answers), under the deterministic scheduler.
#include "actors/broker.hpp"
#include "actors/channel.hpp"
#include "actors/channel_state.hpp"
#include "actors/topic.hpp"
#include "actors/topic_state.hpp"
#include "tests/actors/delivery_helpers.hpp"

#include <catch2/catch.hpp>

#include <chrono>

using namespace std::chrono_literals;
using namespace nsq;
using namespace nsq::test;

namespace {

struct admin_fixture : delivery_fixture {
  uint64_t drained = 0;
  caf::actor probe;
  caf::actor ch;

  admin_fixture() {
    probe = sys.spawn(drained_probe, &drained);
    to_stop.push_back(probe);
    ch = spawn_channel(sys, probe, "t", "c", config);
    to_stop.push_back(ch);
    sched.run();
  }

  void send(const caf::actor& c, caf::message msg) {
    caf::anon_send(c, std::move(msg));
    sched.run();
  }

  void enqueue(uint64_t first, size_t count, caf::timespan defer = caf::timespan{0}) {
    send(ch,
         caf::make_message(enqueue_atom::value, make_test_batch(first, count), defer));
  }

  /// Asks for a bool answer (pause, empty, delete).
  bool ask_bool(const caf::actor& dest, caf::message msg) {
    caf::scoped_actor self{sys};
    bool result = false;
    auto handle = self->request(dest, caf::infinite, std::move(msg));
    sched.run();
    handle.receive([&](bool b) { result = b; }, [&](caf::error&) {});
    return result;
  }

  channel_stats channel_figures() {
    caf::scoped_actor self{sys};
    channel_stats out;
    auto handle = self->request(ch, caf::infinite, stats_atom::value);
    sched.run();
    handle.receive([&](channel_stats& cs, std::vector<caf::actor>&,
                       std::vector<latency_samples>&) { out = std::move(cs); },
                   [&](caf::error&) { FAIL("no stats answer"); });
    return out;
  }
};

} // namespace

TEST_CASE_METHOD(admin_fixture, "channel stats count messages, REQ and timeouts",
                 "[admin]") {
  consumer_log log;
  auto c = consumer(ch, log);
  consumer_info info;
  info.msg_timeout_ms = 1000;
  subscribe(c, info);
  send(c, caf::make_message(ready_atom::value, int64_t{2}));
  enqueue(1, 3);
  REQUIRE(log.delivered.size() == 2);
  send(c, caf::make_message(finish_atom::value,
                            id_batch{std::vector<message_id>{log.id(0)}}));
  REQUIRE(log.delivered.size() == 3);
  send(c, caf::make_message(requeue_atom::value, log.id(1), caf::timespan{60s}));
  advance(1001ms); // the third times out and is delivered again
  auto s = channel_figures();
  CHECK(s.channel_name == "c");
  CHECK(s.depth == 0);
  CHECK(s.in_flight_count == 1);
  CHECK(s.deferred_count == 1);
  CHECK(s.message_count == 3);
  CHECK(s.requeue_count == 1);
  CHECK(s.timeout_count == 1);
  CHECK(s.client_count == 1);
  CHECK_FALSE(s.paused);
}

TEST_CASE_METHOD(admin_fixture, "a paused channel keeps RDY and delivers on unpause",
                 "[admin]") {
  consumer_log log;
  auto c = consumer(ch, log);
  subscribe(c);
  send(c, caf::make_message(ready_atom::value, int64_t{5}));
  CHECK(ask_bool(ch, caf::make_message(pause_atom::value, true)));
  enqueue(1, 2);
  CHECK(log.delivered.empty());
  CHECK(channel_figures().paused);
  CHECK(ask_bool(ch, caf::make_message(pause_atom::value, false)));
  CHECK(log.delivered.size() == 2);
}

TEST_CASE_METHOD(admin_fixture,
                 "empty drops queue, in-flight and deferred; credit returns", "[admin]") {
  consumer_log log;
  auto c = consumer(ch, log);
  subscribe(c);
  send(c, caf::make_message(ready_atom::value, int64_t{1}));
  enqueue(1, 3);
  enqueue(10, 2, caf::timespan{60s});
  REQUIRE(log.delivered.size() == 1);
  CHECK(ask_bool(ch, caf::make_message(empty_atom::value)));
  auto s = channel_figures();
  CHECK(s.depth == 0);
  CHECK(s.in_flight_count == 0);
  CHECK(s.deferred_count == 0);
  CHECK(drained == 3); // every topic message left the memory queue
  send(c, caf::make_message(finish_atom::value,
                            id_batch{std::vector<message_id>{log.id(0)}}));
  REQUIRE(log.errors.size() == 1); // the FIN's ID is gone
  enqueue(20, 1);
  CHECK(log.delivered.size() == 2); // the consumer's in-flight was reset
}

TEST_CASE_METHOD(delivery_fixture,
                 "topic pause holds, empty clears, delete closes channel", "[admin]") {
  auto t = spawn_topic(sys, "t", config);
  to_stop.push_back(t);
  auto ch = ask_actor(t, get_channel_atom::value, std::string("c"));
  REQUIRE(ch);
  caf::scoped_actor self{sys};
  auto ask = [&](caf::message msg) {
    bool result = false;
    auto h = self->request(t, caf::infinite, std::move(msg));
    sched.run();
    h.receive([&](bool b) { result = b; }, [&](caf::error&) {});
    return result;
  };
  CHECK(ask(caf::make_message(pause_atom::value, true)));
  CHECK(ask_string(t, publish_atom::value, std::vector<std::string>{"a", "b"},
                   caf::timespan{0}) == "");
  auto& ts = state_of<topic_state>(t);
  CHECK(ts.held.size() == 2);
  CHECK(ts.message_bytes == 2);
  CHECK(ask(caf::make_message(empty_atom::value)));
  CHECK(ts.held.empty());
  CHECK(ask(caf::make_message(pause_atom::value, false)));
  CHECK(ask(caf::make_message(delete_atom::value, std::string("c"))));
  sched.run();
  CHECK_FALSE(is_alive(ch));
  CHECK_FALSE(ask(caf::make_message(delete_atom::value, std::string("c"))));
}

TEST_CASE_METHOD(delivery_fixture,
                 "broker health: OK until an error is set, cleared by \"\"", "[admin]") {
  auto b = spawn_broker(sys, config);
  to_stop.push_back(b);
  CHECK(ask_string(b, health_atom::value) == "OK");
  caf::anon_send(b, health_atom::value, std::string("write failed"));
  sched.run();
  CHECK(ask_string(b, health_atom::value) == "NOK - write failed");
  caf::anon_send(b, health_atom::value, std::string());
  sched.run();
  CHECK(ask_string(b, health_atom::value) == "OK");
}
