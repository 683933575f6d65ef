// The plain class behind a session's attached channels: RDY split with its
// in-flight invariant, slot rotation, ID routing.

#include "actors/session_channels.hpp"
#include "fixture.hpp"
#include "protocol/id_generator.hpp"

#include <catch2/catch.hpp>

#include <numeric>
#include <vector>

namespace nsq::test {
namespace {

caf::behavior dummy(caf::event_based_actor*, int) {
  return {[](int) {}};
}

struct channels_fixture : actor_fixture {
  std::vector<caf::actor> actors;
  session_channels chans;

  explicit channels_fixture(size_t k = 3) {
    for (size_t i = 0; i < k; ++i) {
      actors.push_back(sys.spawn(dummy, 0));
      chans.attach(actors.back(), i == 0 ? "" : "n" + std::to_string(i));
    }
  }
  ~channels_fixture() {
    for (auto& a : actors)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    sched.run();
  }

  attached_channel& at(size_t i) { return chans.all().at(i); }
  std::vector<int64_t> shares() {
    std::vector<int64_t> out;
    for (auto& c : chans.all())
      out.push_back(c.share);
    return out;
  }
  /// Applies the rebalance and confirms every lowering at once.
  void settle() {
    for (auto& ch : chans.rebalance())
      if (ch.lowering)
        chans.confirmed(ch.handle.address());
    chans.rebalance();
  }
  /// The in-flight invariant: what the channels may still deliver.
  int64_t bound() {
    int64_t sum = 0;
    for (auto& c : chans.all())
      sum += std::max(c.cap, c.in_flight);
    return sum;
  }
};

} // namespace

TEST_CASE_METHOD(channels_fixture, "attaching one actor twice changes nothing",
                 "[session_channels]") {
  CHECK_FALSE(chans.attach(actors[1], "n1"));
  CHECK(chans.size() == 3);
  CHECK(chans.is_local(actors[0].address()));
  CHECK_FALSE(chans.detach(actors[0].address())); // the local one stays
  CHECK(chans.detach(actors[2].address()));
  CHECK_FALSE(chans.detach(actors[2].address()));
  CHECK(chans.size() == 2);
}

TEST_CASE_METHOD(channels_fixture, "RDY 10 over 3 channels: 4, 3, 3",
                 "[session_channels]") {
  chans.set_ready(10);
  auto changes = chans.rebalance();
  CHECK(changes.size() == 3);
  CHECK(shares() == std::vector<int64_t>{4, 3, 3});
  CHECK_FALSE(chans.rotates());
  chans.set_ready(0); // CLS: everything lowered, to be confirmed
  changes = chans.rebalance();
  REQUIRE(changes.size() == 3);
  for (auto& ch : changes)
    CHECK((ch.lowering && ch.count == 0));
  CHECK(bound() == 10); // until the channels confirm, their old shares count
}

TEST_CASE_METHOD(channels_fixture, "a lowered share frees RDY only once confirmed",
                 "[session_channels]") {
  chans.set_ready(6);
  settle();
  CHECK(shares() == std::vector<int64_t>{2, 2, 2});
  chans.set_ready(3);
  settle();
  CHECK(shares() == std::vector<int64_t>{1, 1, 1});
  // Channel 1 still holds 2 in flight from its old share: channel 0 gets
  // its fourth slot only once those are acknowledged.
  at(1).in_flight = 2;
  chans.set_ready(4);
  chans.rebalance();
  CHECK(shares() == std::vector<int64_t>{1, 1, 1});
  CHECK(bound() <= 4);
  CHECK(chans.held_back());
  at(1).in_flight = 0;
  chans.rebalance();
  CHECK(shares() == std::vector<int64_t>{2, 1, 1});
  CHECK(bound() == 4);
  // Lowering channel 0 to hand its slot elsewhere: not before it confirms.
  chans.detach(actors[2].address());
  chans.set_ready(2);
  auto changes = chans.rebalance();
  CHECK(shares() == std::vector<int64_t>{1, 1});
  CHECK(bound() == 3); // 2 unconfirmed + 1: over RDY until confirmed, never raised
  chans.confirmed(actors[0].address());
  CHECK(bound() == 2);
}

TEST_CASE_METHOD(channels_fixture, "RDY 1 over 3 channels: the slot rotates",
                 "[session_channels]") {
  chans.set_ready(1);
  settle();
  CHECK(shares() == std::vector<int64_t>{1, 0, 0});
  CHECK(chans.rotates());
  // An idle holder (nothing delivered, nothing in flight) passes after two
  // ticks; the next one gets the slot once the lowering is confirmed.
  chans.tick();
  chans.rebalance();
  CHECK(shares() == std::vector<int64_t>{1, 0, 0});
  chans.tick();
  auto changes = chans.rebalance();
  CHECK(shares() == std::vector<int64_t>{0, 0, 0}); // channel 1 waits for the confirm
  CHECK(bound() == 1);
  chans.confirmed(actors[0].address());
  chans.rebalance();
  CHECK(shares() == std::vector<int64_t>{0, 1, 0});
  // A busy holder passes after busy_tenure ticks, but its in-flight message
  // keeps the slot taken until it is acknowledged.
  for (int i = 0; i < session_channels::busy_tenure - 1; ++i) {
    CHECK(chans.delivered(at(1), encode_id(100 + i)));
    chans.tick();
    settle();
    CHECK(shares() == std::vector<int64_t>{0, 1, 0});
    chans.route(encode_id(100 + i), true);
  }
  CHECK(chans.delivered(at(1), encode_id(200)));
  chans.tick();
  settle();
  CHECK(shares() == std::vector<int64_t>{0, 0, 0}); // held back by the in-flight one
  CHECK(bound() == 1);
  chans.route(encode_id(200), true);
  chans.rebalance();
  CHECK(shares() == std::vector<int64_t>{0, 0, 1});
  chans.set_ready(3); // no rotation any more
  settle();
  CHECK_FALSE(chans.rotates());
  CHECK(shares() == std::vector<int64_t>{1, 1, 1});
}

TEST_CASE_METHOD(channels_fixture,
                 "an idle channel keeps one slot, the busy ones share the rest",
                 "[session_channels]") {
  chans.set_ready(100);
  settle();
  CHECK(shares() == std::vector<int64_t>{34, 33, 33});
  // Channels 1 and 2 deliver, channel 0 (say the local one) has nothing.
  int next = 0;
  auto deliver_and_ack = [&](size_t i) {
    auto id = encode_id(next++);
    CHECK(chans.delivered(at(i), id));
    chans.route(id, true);
  };
  for (int t = 0; t < session_channels::idle_after_ticks; ++t) {
    CHECK(shares() == std::vector<int64_t>{34, 33, 33});
    deliver_and_ack(1);
    deliver_and_ack(2);
    chans.tick();
    settle();
  }
  CHECK(shares() == std::vector<int64_t>{1, 50, 49});
  CHECK(bound() == 100);
  CHECK_FALSE(chans.take_woken());
  // A backlog on channel 0 shows in its one slot: it shares again at once.
  CHECK(chans.delivered(at(0), encode_id(next++)));
  CHECK(chans.take_woken());
  CHECK_FALSE(chans.take_woken());
  auto changes = chans.rebalance();
  // Raised only once the busy ones confirmed their lowering.
  CHECK(bound() <= 100);
  for (auto& ch : changes)
    if (ch.lowering)
      chans.confirmed(ch.handle.address());
  chans.rebalance();
  CHECK(shares() == std::vector<int64_t>{34, 33, 33});
  // All idle: equal shares again, nothing is starved.
  for (int t = 0; t < session_channels::idle_after_ticks + 1; ++t) {
    chans.route(encode_id(next - 1), true);
    chans.tick();
    settle();
  }
  CHECK(shares() == std::vector<int64_t>{34, 33, 33});
  CHECK(chans.ticks());
  chans.set_ready(0);
  CHECK_FALSE(chans.ticks());
}

TEST_CASE_METHOD(channels_fixture, "IDs route to the channel that delivered them",
                 "[session_channels]") {
  auto a = encode_id(1);
  auto b = encode_id(2);
  CHECK(chans.delivered(at(1), a));
  CHECK(chans.delivered(at(2), b));
  CHECK_FALSE(chans.delivered(at(0), a)); // the same ID from another channel
  CHECK(at(0).in_flight == 0);
  CHECK(chans.route(a, false).handle == actors[1]); // TOUCH keeps it
  CHECK(chans.route(a, true).handle == actors[1]);  // FIN forgets it
  CHECK(chans.route(a, true).handle == actors[0]);  // unknown: the local channel answers
  CHECK(at(1).in_flight == 0);
  chans.released(at(2), {b}); // timed out there
  CHECK(chans.mapped() == 0);
  CHECK(chans.route(b, true).handle == actors[0]);
  CHECK(chans.delivered(at(2), b));
  chans.detach(actors[2].address()); // its IDs are forgotten
  CHECK(chans.mapped() == 0);
  CHECK(chans.delivered(at(1), b));
  chans.detach(actors[1].address()); // one channel: no map at all
  CHECK(chans.mapped() == 0);
  CHECK(chans.delivered(at(0), a));
  CHECK(chans.mapped() == 0);
  CHECK(chans.route(a, true).handle == actors[0]);
}

} // namespace nsq::test
