#include "actors/channel.hpp"
#include "actors/channel_state.hpp"
#include "tests/actors/delivery_helpers.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <set>

using namespace std::chrono_literals;
using namespace nsq;
using namespace nsq::test;

namespace {

/// A channel "t:c" fed directly (no topic), with a probe for drained credits.
struct channel_fixture : delivery_fixture {
  uint64_t drained = 0;
  caf::actor probe;
  caf::actor ch;

  caf::actor make_channel(const std::string& name) {
    auto c = spawn_channel(sys, probe, "t", name, config);
    to_stop.push_back(c);
    sched.run();
    return c;
  }

  channel_fixture() {
    probe = sys.spawn(drained_probe, &drained);
    to_stop.push_back(probe);
  }

  channel_state& state() { return state_of<channel_state>(ch); }

  void enqueue(uint64_t first, size_t count, caf::timespan defer = caf::timespan{0}) {
    caf::anon_send(ch, enqueue_atom::value, make_test_batch(first, count), defer);
    sched.run();
  }

  void send(const caf::actor& c, caf::message msg) {
    caf::anon_send(c, std::move(msg));
    sched.run();
  }
};

consumer_info with_timeout(int64_t ms) {
  consumer_info info;
  info.msg_timeout_ms = ms;
  return info;
}

std::vector<message_id> ids_of(std::initializer_list<message_id> xs) {
  return xs;
}

} // namespace

TEST_CASE_METHOD(channel_fixture,
                 "RDY is a window: RDY 2 delivers 2, a FIN frees a third", "[channel]") {
  ch = make_channel("c");
  consumer_log log;
  auto c = consumer(ch, log);
  subscribe(c);
  REQUIRE(log.replies == std::vector<std::string>{""});
  enqueue(1, 3);
  CHECK(log.delivered.empty()); // RDY 0 after SUB
  send(c, caf::make_message(ready_atom::value, int64_t{2}));
  REQUIRE(log.delivered.size() == 2);
  CHECK(log.batches == std::vector<size_t>{2}); // one deliver message per round
  CHECK(log.body(0) == "m1");
  CHECK(log.body(1) == "m2");
  CHECK(log.delivered[0].attempts == 1);
  CHECK(state().queue.size() == 1);
  CHECK(state().in_flight.size() == 2);
  send(c, caf::make_message(finish_atom::value, id_batch{ids_of({log.id(0)})}));
  REQUIRE(log.delivered.size() == 3); // no new RDY needed
  CHECK(log.body(2) == "m3");
  CHECK(state().in_flight.size() == 2);
  CHECK(log.errors.empty());
  CHECK(drained == 3);
}

TEST_CASE_METHOD(channel_fixture, "RDY 0 stops delivery until a new RDY", "[channel]") {
  ch = make_channel("c");
  consumer_log log;
  auto c = consumer(ch, log);
  subscribe(c);
  send(c, caf::make_message(ready_atom::value, int64_t{5}));
  enqueue(1, 1);
  REQUIRE(log.delivered.size() == 1);
  send(c, caf::make_message(ready_atom::value, int64_t{0}));
  send(c, caf::make_message(finish_atom::value, id_batch{ids_of({log.id(0)})}));
  enqueue(2, 3);
  CHECK(log.delivered.size() == 1);
  CHECK(state().queue.size() == 3);
  send(c, caf::make_message(ready_atom::value, int64_t{1}));
  CHECK(log.delivered.size() == 2);
}

TEST_CASE_METHOD(channel_fixture, "in-flight timeout requeues, redelivery has attempts+1",
                 "[channel]") {
  ch = make_channel("c");
  consumer_log log;
  auto c = consumer(ch, log);
  subscribe(c, with_timeout(1000));
  send(c, caf::make_message(ready_atom::value, int64_t{1}));
  enqueue(1, 1);
  REQUIRE(log.delivered.size() == 1);
  CHECK(log.delivered[0].attempts == 1);
  advance(999ms);
  CHECK(log.delivered.size() == 1);
  CHECK(state().timeout_count == 0);
  advance(1ms);
  REQUIRE(log.delivered.size() == 2);
  CHECK(log.id(1) == log.id(0));
  CHECK(log.delivered[1].attempts == 2);
  CHECK(state().timeout_count == 1);
  CHECK(state().requeue_count == 0);
  CHECK(state().consumers.begin()->second.in_flight == 1);
}

TEST_CASE_METHOD(channel_fixture, "REQ with a delay redelivers only after the delay",
                 "[channel]") {
  ch = make_channel("c");
  consumer_log log;
  auto c = consumer(ch, log);
  subscribe(c);
  send(c, caf::make_message(ready_atom::value, int64_t{1}));
  enqueue(1, 1);
  REQUIRE(log.delivered.size() == 1);
  send(c, caf::make_message(requeue_atom::value, log.id(0), caf::timespan{5s}));
  CHECK(state().in_flight.size() == 0);
  CHECK(state().deferred.size() == 1);
  CHECK(state().requeue_count == 1);
  advance(4999ms);
  CHECK(log.delivered.size() == 1);
  advance(1ms);
  REQUIRE(log.delivered.size() == 2);
  CHECK(log.delivered[1].attempts == 2);
  // REQ 0: back at once.
  send(c, caf::make_message(requeue_atom::value, log.id(1), caf::timespan{0}));
  REQUIRE(log.delivered.size() == 3);
  CHECK(log.delivered[2].attempts == 3);
  CHECK(log.errors.empty());
}

TEST_CASE_METHOD(channel_fixture,
                 "deferred enqueue (DPUB) is delivered only after the defer",
                 "[channel]") {
  ch = make_channel("c");
  consumer_log log;
  auto c = consumer(ch, log);
  subscribe(c);
  send(c, caf::make_message(ready_atom::value, int64_t{10}));
  enqueue(1, 1, 2s);
  CHECK(log.delivered.empty());
  CHECK(state().deferred.size() == 1);
  CHECK(state().message_count == 1);
  advance(1999ms);
  CHECK(log.delivered.empty());
  advance(1ms);
  REQUIRE(log.delivered.size() == 1);
  CHECK(log.delivered[0].attempts == 1);
  CHECK(state().deferred.empty());
}

TEST_CASE_METHOD(channel_fixture, "TOUCH extends the deadline, capped by max_msg_timeout",
                 "[channel]") {
  config->max_msg_timeout = 2500ms;
  ch = make_channel("c");
  consumer_log log;
  auto c = consumer(ch, log);
  subscribe(c, with_timeout(1000));
  send(c, caf::make_message(ready_atom::value, int64_t{1}));
  enqueue(1, 1); // delivered at t0
  REQUIRE(log.delivered.size() == 1);
  advance(800ms);
  send(c, caf::make_message(touch_atom::value, log.id(0))); // deadline t0 + 1800
  advance(900ms);                                           // t0 + 1700
  CHECK(log.delivered.size() == 1);
  send(c, caf::make_message(touch_atom::value, log.id(0))); // min(t0+2700, t0+2500)
  advance(799ms);                                           // t0 + 2499
  CHECK(log.delivered.size() == 1);
  advance(1ms); // t0 + 2500
  REQUIRE(log.delivered.size() == 2);
  CHECK(log.delivered[1].attempts == 2);
  CHECK(log.errors.empty());
}

TEST_CASE_METHOD(channel_fixture,
                 "two consumers share a channel: each message to exactly one",
                 "[channel]") {
  ch = make_channel("c");
  consumer_log la, lb;
  auto a = consumer(ch, la);
  auto b = consumer(ch, lb);
  subscribe(a);
  subscribe(b);
  send(a, caf::make_message(ready_atom::value, int64_t{3}));
  send(b, caf::make_message(ready_atom::value, int64_t{3}));
  enqueue(1, 20);
  std::set<std::string> seen;
  size_t total = 0;
  for (int round = 0; round < 20 && total < 20; ++round) {
    for (auto* pair : {&la, &lb}) {
      auto& log = *pair;
      std::vector<message_id> fins;
      for (size_t i = 0; i < log.delivered.size(); ++i) {
        seen.insert(log.body(i));
        fins.push_back(log.id(i));
      }
      total += log.delivered.size();
      log.delivered.clear();
      if (!fins.empty())
        send(pair == &la ? a : b,
             caf::make_message(finish_atom::value, id_batch{std::move(fins)}));
    }
  }
  CHECK(total == 20);
  CHECK(seen.size() == 20);
  CHECK(la.errors.empty());
  CHECK(lb.errors.empty());
  CHECK(state().in_flight.size() == 0);
  CHECK(state().queue.empty());
  auto& cs = state().consumers;
  uint64_t sum = 0;
  for (auto& [addr, cons] : cs) {
    CHECK(cons.message_count > 0); // both took part
    sum += cons.finish_count;
  }
  CHECK(sum == 20);
}

TEST_CASE_METHOD(channel_fixture,
                 "a consumer leaving requeues its in-flight messages at once",
                 "[channel]") {
  ch = make_channel("c");
  consumer_log la, lb;
  auto a = consumer(ch, la);
  auto b = consumer(ch, lb);
  subscribe(a);
  subscribe(b);
  send(a, caf::make_message(ready_atom::value, int64_t{2}));
  enqueue(1, 2);
  REQUIRE(la.delivered.size() == 2);
  SECTION("unsubscribe") {
    send(a, caf::make_message(unsubscribe_atom::value));
  }
  SECTION("session terminates") {
    caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    sched.run();
  }
  CHECK(state().consumers.size() == 1);
  CHECK(state().queue.size() == 2);
  send(b, caf::make_message(ready_atom::value, int64_t{5}));
  REQUIRE(lb.delivered.size() == 2);
  CHECK(lb.body(0) == "m1");
  CHECK(lb.delivered[0].attempts == 2);
  // Counted as nsqd counts them (they would have timed out there), not as REQs.
  CHECK(state().timeout_count == 2);
  CHECK(state().requeue_count == 0);
}

TEST_CASE_METHOD(channel_fixture,
                 "FIN, REQ and TOUCH failures are non-fatal op_failed errors",
                 "[channel]") {
  ch = make_channel("c");
  consumer_log la, lb;
  auto a = consumer(ch, la);
  auto b = consumer(ch, lb);
  subscribe(a);
  subscribe(b);
  send(a, caf::make_message(ready_atom::value, int64_t{1}));
  enqueue(1, 1);
  REQUIRE(la.delivered.size() == 1);
  auto id = la.id(0);
  auto text_id = to_string(id);
  auto unknown = encode_id(0xabc);
  send(a, caf::make_message(finish_atom::value, id_batch{ids_of({unknown})}));
  send(b, caf::make_message(finish_atom::value, id_batch{ids_of({id})}));
  send(b, caf::make_message(requeue_atom::value, id, caf::timespan{0}));
  send(b, caf::make_message(touch_atom::value, unknown));
  REQUIRE(la.errors.size() == 1);
  CHECK(la.errors[0] ==
        client_error{"E_FIN_FAILED",
                     "FIN " + to_string(unknown) + " failed ID not in flight", false});
  REQUIRE(lb.errors.size() == 3);
  CHECK(lb.errors[0].wire() ==
        "E_FIN_FAILED FIN " + text_id + " failed client does not own message");
  CHECK(lb.errors[0].fatal == false);
  CHECK(lb.errors[1].wire() ==
        "E_REQ_FAILED REQ " + text_id + " failed client does not own message");
  CHECK(lb.errors[2].wire() ==
        "E_TOUCH_FAILED TOUCH " + to_string(unknown) + " failed ID not in flight");
  CHECK(state().in_flight.size() == 1); // still a's
  send(a, caf::make_message(finish_atom::value, id_batch{ids_of({id})}));
  CHECK(state().in_flight.size() == 0);
  send(a, caf::make_message(finish_atom::value,
                            id_batch{ids_of({id})})); // twice: no longer in flight
  REQUIRE(la.errors.size() == 2);
  CHECK(la.errors[1].text == "FIN " + text_id + " failed ID not in flight");
}

TEST_CASE_METHOD(channel_fixture, "sample_rate drops messages for good", "[channel]") {
  ch = make_channel("c");
  consumer_log log;
  auto c = consumer(ch, log);
  consumer_info info;
  info.sample_rate = 10;
  subscribe(c, info);
  send(c, caf::make_message(ready_atom::value, int64_t{2500}));
  enqueue(1, 200);
  // pass probability 11 %: about 22 of 200
  CHECK(log.delivered.size() >= 3);
  CHECK(log.delivered.size() <= 60);
  CHECK(state().queue.empty());
  CHECK(state().in_flight.size() == log.delivered.size());
  CHECK(drained == 200);
}

TEST_CASE_METHOD(channel_fixture, "consumer limit refuses the (n+1)-th SUB",
                 "[channel]") {
  config->max_channel_consumers = 1;
  ch = make_channel("c");
  consumer_log la, lb;
  auto a = consumer(ch, la);
  auto b = consumer(ch, lb);
  subscribe(a);
  subscribe(b);
  CHECK(la.replies == std::vector<std::string>{""});
  CHECK(lb.replies == std::vector<std::string>{"consumers for t:c exceeds limit of 1"});
  CHECK(state().consumers.size() == 1);
}

TEST_CASE_METHOD(channel_fixture, "ephemeral channel quits when its last consumer leaves",
                 "[channel]") {
  ch = make_channel("c#ephemeral");
  consumer_log la, lb;
  auto a = consumer(ch, la);
  auto b = consumer(ch, lb);
  subscribe(a);
  subscribe(b);
  send(a, caf::make_message(unsubscribe_atom::value));
  CHECK(is_alive(ch));
  caf::anon_send_exit(b, caf::exit_reason::user_shutdown);
  sched.run();
  CHECK_FALSE(is_alive(ch));
  CHECK(drained == 0);
}

TEST_CASE_METHOD(channel_fixture,
                 "ephemeral channel without consumers stays and drops overflow",
                 "[channel]") {
  config->mem_queue_size = 3;
  ch = make_channel("c#ephemeral");
  enqueue(1, 5);
  CHECK(is_alive(ch));
  CHECK(state().queue.size() == 3);
  CHECK(state().message_count == 5);
  CHECK(drained == 0); // the topic does not wait for ephemeral channels
}

TEST_CASE_METHOD(channel_fixture, "one wake timer for 1000 messages in flight",
                 "[channel]") {
  ch = make_channel("c");
  consumer_log log;
  auto c = consumer(ch, log);
  subscribe(c, with_timeout(1000));
  send(c, caf::make_message(ready_atom::value, int64_t{1000}));
  for (uint64_t i = 0; i < 10; ++i) {
    enqueue(1 + i * 100, 100);
    advance(1ms);
  }
  REQUIRE(log.delivered.size() == 1000);
  CHECK(state().in_flight.size() == 1000);
  CHECK(sched.clock().schedule().size() == 1);
  advance(990ms); // the first batch times out
  CHECK(state().timeout_count == 100);
  CHECK(sched.clock().schedule().size() == 1);
  CHECK(log.delivered.size() == 1100);
}

TEST_CASE_METHOD(channel_fixture,
                 "a duplicate ID in flight waits for the copy in flight, never dropped",
                 "[channel]") {
  // Before: the second message with the same ID was dropped silently.
  ch = make_channel("c");
  consumer_log log;
  auto c = consumer(ch, log);
  subscribe(c, with_timeout(1000));
  send(c, caf::make_message(ready_atom::value, int64_t{5}));
  enqueue(1, 1);
  enqueue(1, 1); // the same ID again (e.g. replayed from disk after a crash)
  REQUIRE(log.delivered.size() == 1);
  CHECK(state().in_flight.size() == 1);
  CHECK(state().deferred.size() == 1); // held, counted in /stats deferred_count
  send(c, caf::make_message(finish_atom::value, id_batch{ids_of({log.id(0)})}));
  CHECK(log.delivered.size() == 1);
  advance(1000ms); // the first copy's deadline
  REQUIRE(log.delivered.size() == 2);
  CHECK(log.id(1) == log.id(0));
  CHECK(log.body(1) == "m1");
  CHECK(log.delivered[1].attempts == 1);
  CHECK(state().deferred.empty());
  CHECK(state().timeout_count == 0);
  // Still in flight at its deadline: it waits for the requeued copy's turn.
  enqueue(1, 1);
  CHECK(state().deferred.size() == 1);
  advance(1000ms); // the copy in flight times out and is redelivered first
  CHECK(state().timeout_count == 1);
  CHECK(log.delivered.size() == 3);
  CHECK(state().deferred.size() == 1);
  send(c, caf::make_message(finish_atom::value, id_batch{ids_of({log.id(2)})}));
  advance(1000ms);
  CHECK(log.delivered.size() == 4);
  CHECK(log.errors.empty());
}
