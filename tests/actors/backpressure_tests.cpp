// Write backpressure in the channel (actors/flow_control.hpp): a consumer
// whose byte credit is used up is skipped, keeps its RDY window and its
// in-flight messages, and resumes when its session grants credit.
#include "actors/channel.hpp"
#include "actors/channel_state.hpp"
#include "actors/flow_control.hpp"
#include "tests/actors/delivery_helpers.hpp"

#include <catch2/catch.hpp>

using namespace nsq;
using namespace nsq::test;

namespace {

struct credit_fixture : delivery_fixture {
  uint64_t drained = 0;
  caf::actor ch;

  credit_fixture() {
    auto probe = sys.spawn(drained_probe, &drained);
    to_stop.push_back(probe);
    ch = spawn_channel(sys, probe, "t", "c", config);
    to_stop.push_back(ch);
    sched.run();
  }

  channel_state& state() { return state_of<channel_state>(ch); }

  /// Enqueues `count` messages of `size` bytes with IDs from `first`.
  void enqueue(uint64_t first, size_t count, size_t size) {
    std::vector<message_ref> batch;
    for (size_t i = 0; i < count; ++i)
      batch.push_back(make_test_message(first + i, std::string(size, 'x')));
    caf::anon_send(ch, enqueue_atom::value, std::move(batch), caf::timespan{0});
    sched.run();
  }

  void send(const caf::actor& c, caf::message msg) {
    caf::anon_send(c, std::move(msg));
    sched.run();
  }
};

/// A body that costs exactly a quarter of the window.
constexpr size_t quarter = write_window / 4 - 34;

} // namespace

TEST_CASE_METHOD(credit_fixture,
                 "a consumer without credit is skipped and resumes on credit",
                 "[channel][backpressure]") {
  consumer_log log;
  auto c = consumer(ch, log);
  subscribe(c);
  send(c, caf::make_message(ready_atom::value, int64_t{100}));
  enqueue(1, 6, quarter);
  // A full window: four messages, then the consumer is not writable.
  CHECK(log.delivered.size() == 4);
  CHECK(state().queue.size() == 2);
  CHECK(state().in_flight.size() == 4);
  // FINs free its RDY window but not its socket: still nothing.
  send(c, caf::make_message(finish_atom::value,
                            id_batch{std::vector<message_id>{log.id(0), log.id(1)}}));
  CHECK(log.delivered.size() == 4);
  CHECK(state().in_flight.size() == 2);
  // Its session wrote two messages' worth: two more.
  send(c, caf::make_message(credit_atom::value, int64_t{write_window / 2}));
  CHECK(log.delivered.size() == 6);
  CHECK(state().queue.empty());
  CHECK(log.errors.empty());
}

TEST_CASE_METHOD(credit_fixture, "a stalled consumer's messages go to a writable one",
                 "[channel][backpressure]") {
  consumer_log stalled_log;
  consumer_log reader_log;
  auto stalled = consumer(ch, stalled_log);
  subscribe(stalled);
  send(stalled, caf::make_message(ready_atom::value, int64_t{100}));
  enqueue(1, 4, quarter);
  REQUIRE(stalled_log.delivered.size() == 4); // its window is used up
  auto reader = consumer(ch, reader_log);
  subscribe(reader);
  send(reader, caf::make_message(ready_atom::value, int64_t{100}));
  enqueue(5, 3, quarter);
  CHECK(stalled_log.delivered.size() == 4);
  CHECK(reader_log.delivered.size() == 3);
  auto& cs = state().consumers;
  CHECK(cs.at(caf::actor_cast<caf::actor_addr>(stalled)).rdy == 100); // window kept
  CHECK(cs.at(caf::actor_cast<caf::actor_addr>(stalled)).in_flight == 4);
}

TEST_CASE_METHOD(credit_fixture, "a message larger than the window still goes, alone",
                 "[channel][backpressure]") {
  consumer_log log;
  auto c = consumer(ch, log);
  subscribe(c);
  send(c, caf::make_message(ready_atom::value, int64_t{2500}));
  constexpr size_t big = 1024 * 1024;
  enqueue(1, 3, big);
  CHECK(log.delivered.size() == 1);
  CHECK(log.batches == std::vector<size_t>{1});
  // Repaying the overshoot is not enough: the credit must become positive.
  auto cost = static_cast<int64_t>(big + 34);
  send(c, caf::make_message(credit_atom::value, cost - write_window));
  CHECK(log.delivered.size() == 1);
  send(c, caf::make_message(credit_atom::value, int64_t{1}));
  CHECK(log.delivered.size() == 2);
}
