// Publish credit (actors/publish_credit.hpp) on the test scheduler: the topic
// grants a publishing session a window in advance, accepts what is sent on
// it without refusing, tops it up, takes it back when the session ends, and
// keeps the room it promised from other publishers.

#include "actors/publish_credit.hpp"
#include "tests/actors/topic_fixture.hpp"

#include <catch2/catch.hpp>

using namespace nsq;
using namespace nsq::test;

namespace {

/// What a fake publisher saw.
struct publisher_log {
  std::vector<uint64_t> grants;
  std::vector<std::string> replies;
  int revokes = 0;
  bool return_on_revoke = true;
};

/// Stands in for a session: publishes when told, records grants and replies.
caf::behavior fake_publisher(caf::event_based_actor* self, int, publisher_log* log,
                             caf::actor topic) {
  return {
      [=](publish_atom, std::vector<std::string>& bodies) {
        self->request(topic, caf::infinite, publish_atom::value, body_batch::of(bodies),
                      caf::timespan{0}, pub_grant_atom::value)
            .then([=](std::string& reason) { log->replies.push_back(reason); });
      },
      [=](pub_credited_atom, std::vector<std::string>& bodies) {
        self->send(topic, pub_credited_atom::value, body_batch::of(bodies),
                   caf::timespan{0});
      },
      [=](pub_return_atom) { self->send(topic, pub_return_atom::value); },
      [=](pub_grant_atom, uint64_t n) { log->grants.push_back(n); },
      [=](pub_revoke_atom) {
        ++log->revokes;
        if (log->return_on_revoke)
          self->send(topic, pub_return_atom::value);
      },
  };
}

struct credit_fixture : topic_fixture {
  caf::actor publisher(publisher_log& log) {
    auto p = sys.spawn(fake_publisher, 0, &log, topic);
    to_stop.push_back(p);
    return p;
  }

  /// Tells `p` to publish `bodies` with a request (the way to earn credit).
  void request_publish(const caf::actor& p, std::vector<std::string> bodies) {
    caf::anon_send(p, publish_atom::value, std::move(bodies));
    sched.run();
  }

  /// Returns a publisher that published "b0" with a request (earning credit).
  caf::actor earn_credit(publisher_log& log) {
    auto p = publisher(log);
    request_publish(p, numbered_bodies(0, 1));
    return p;
  }

  /// Tells `p` to send `bodies` on credit.
  void send_credited(const caf::actor& p, std::vector<std::string> bodies) {
    caf::anon_send(p, pub_credited_atom::value, std::move(bodies));
    sched.run();
  }
};

} // namespace

TEST_CASE_METHOD(credit_fixture,
                 "the credit ledger tops up at half the window, within the room",
                 "[credit]") {
  make_topic("t");
  publish_credit c;
  auto a = topic.address(); // any actor's address
  CHECK(c.top_up(a, 10, 100) == 10);
  CHECK(c.top_up(a, 10, 100) == 0); // holds all of it
  c.consume(a, 4);
  CHECK(c.top_up(a, 10, 100) == 0); // 6 > half
  c.consume(a, 1);
  CHECK(c.top_up(a, 10, 3) == 3); // 5 = half: topped up, but only within the room
  CHECK(c.held_by(a) == 8);
  CHECK(c.reserved() == 8);
  c.consume(a, 20); // more than held: clamps
  CHECK(c.reserved() == 0);
  CHECK(c.drop(a));
  CHECK_FALSE(c.drop(a));
  CHECK(c.empty());
  CHECK(credit_window(10000) == 256);
  CHECK(credit_window(80) == 10);
  CHECK(credit_window(7) == 0);
}

TEST_CASE_METHOD(credit_fixture,
                 "a publisher's request earns credit, credited messages use it and it "
                 "is topped up",
                 "[credit]") {
  config->mem_queue_size = 80; // window 10
  make_topic("t");
  publisher_log log;
  auto p = earn_credit(log);
  REQUIRE(log.replies == std::vector<std::string>{""});
  REQUIRE(log.grants == std::vector<uint64_t>{10});
  auto addr = p.address();
  CHECK(state().credit.held_by(addr) == 10);
  send_credited(p, numbered_bodies(1, 4));
  CHECK(state().credit.held_by(addr) == 6);
  CHECK(log.grants.size() == 1); // more than half left: nothing yet
  send_credited(p, numbered_bodies(5, 1));
  REQUIRE(log.grants == std::vector<uint64_t>{10, 5}); // back to the window
  CHECK(state().credit.held_by(addr) == 10);
  CHECK(state().message_count == 6);
  CHECK(state().held.size() == 6); // no channel yet: held, in order
  auto ch = channel("c");
  REQUIRE(ch);
  consumer_log seen;
  auto c = consumer(ch, seen);
  subscribe(c);
  ready(c, 10);
  REQUIRE(seen.delivered.size() == 6);
  for (size_t i = 0; i < 6; ++i)
    CHECK(seen.body(i) == "b" + std::to_string(i));
}

TEST_CASE_METHOD(credit_fixture,
                 "credited messages are never refused; other publishes keep out of the "
                 "promised room",
                 "[credit]") {
  config->mem_queue_size = 16; // window 2
  make_topic("t");
  publisher_log log;
  auto p = earn_credit(log);
  REQUIRE(log.grants == std::vector<uint64_t>{2});
  // 1 held + 2 promised: 13 more fill the queue, one more is refused.
  CHECK(ask_string(topic, publish_atom::value, numbered_bodies(1, 13),
                   caf::timespan{0}) == "");
  CHECK(ask_string(topic, publish_atom::value, numbered_bodies(14, 1),
                   caf::timespan{0}) == "queue full");
  send_credited(p, numbered_bodies(20, 2)); // the promised room
  CHECK(state().held.size() == 16);
  CHECK(state().message_count == 16);
  CHECK(log.grants.size() == 1); // no room for more credit
  request_publish(p, numbered_bodies(30, 1));
  CHECK(log.replies.back() == "queue full");
}

TEST_CASE_METHOD(credit_fixture, "at most half the queue is promised", "[credit]") {
  config->mem_queue_size = 24; // window 3, at most 12 promised
  make_topic("t");
  std::vector<publisher_log> logs(5);
  for (auto& log : logs)
    earn_credit(log);
  for (size_t i = 0; i < 4; ++i)
    CHECK(logs[i].grants == std::vector<uint64_t>{3});
  CHECK(logs[4].grants.empty());
  CHECK(state().credit.reserved() == 12);
  CHECK(publish(numbered_bodies(10, 7)) == ""); // 5 + 7 held, 12 promised
  CHECK(publish(numbered_bodies(20, 1)) == "queue full");
}

TEST_CASE_METHOD(credit_fixture, "no credit for ephemeral topics", "[credit]") {
  config->mem_queue_size = 800;
  make_topic("t#ephemeral");
  publisher_log log;
  auto p = earn_credit(log);
  CHECK(log.replies == std::vector<std::string>{""});
  CHECK(log.grants.empty());
  CHECK(state().credit.reserved() == 0);
}

TEST_CASE_METHOD(credit_fixture, "a publisher that ends or returns gives its credit back",
                 "[credit]") {
  config->mem_queue_size = 800; // window 100
  make_topic("t");
  publisher_log log1, log2;
  auto p1 = publisher(log1);
  auto p2 = publisher(log2);
  request_publish(p1, numbered_bodies(0, 1));
  request_publish(p2, numbered_bodies(1, 1));
  CHECK(state().credit.reserved() == 200);
  caf::anon_send(p1, pub_return_atom::value);
  sched.run();
  CHECK(state().credit.reserved() == 100);
  caf::anon_send_exit(p2, caf::exit_reason::user_shutdown);
  sched.run();
  CHECK(state().credit.reserved() == 0);
  CHECK(state().credit.empty());
}

TEST_CASE_METHOD(credit_fixture, "a deleted topic drops what arrives on credit",
                 "[credit]") {
  config->mem_queue_size = 800;
  make_topic("t");
  publisher_log log;
  auto p = earn_credit(log);
  REQUIRE(log.grants.size() == 1);
  caf::anon_send(topic, purge_atom::value);
  send_credited(p, numbered_bodies(1, 1)); // nsqd drops it too: the topic is gone
  CHECK_FALSE(is_alive(topic));
  CHECK(log.revokes == 0); // deleting does not wait for anyone
}
