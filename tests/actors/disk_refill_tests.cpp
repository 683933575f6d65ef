// A channel's read-ahead from its disk queue on the test scheduler: two reads
// on their way keep the order, and an empty or a shutdown while reads are
// outstanding neither delivers emptied records nor loses any.

#include "actors/channel.hpp"
#include "actors/channel_state.hpp"
#include "actors/disk_link.hpp"
#include "storage/queue_files.hpp"
#include "tests/actors/delivery_helpers.hpp"
#include "tests/actors/queue_contents.hpp"
#include "tests/actors/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

using namespace nsq;
using namespace nsq::test;

namespace {

struct refill_fixture : temp_dir, delivery_fixture {
  uint64_t drained = 0;
  caf::actor ch;
  consumer_log log;
  caf::actor reader;

  refill_fixture() {
    config->mem_queue_size = 8; // reads of 4, two on their way
    auto topic = sys.spawn(drained_probe, &drained);
    to_stop.push_back(topic);
    auto ctx = std::make_shared<disk_context>();
    ctx->data_path = path;
    ctx->detached = false; // a private I/O actor on the test scheduler
    ch = spawn_channel(sys, topic, "t", "c", config, ctx, false);
    to_stop.push_back(ch);
    sched.run();
  }

  ~refill_fixture() {
    for (auto& a : to_stop) // before their files go
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    to_stop.clear();
    sched.run();
  }

  channel_state& state() { return state_of<channel_state>(ch); }

  /// The bodies the consumer got, in delivery order.
  std::vector<std::string> delivered_bodies() const {
    std::vector<std::string> got;
    for (size_t i = 0; i < log.delivered.size(); ++i)
      got.push_back(log.body(i));
    return got;
  }

  /// 40 messages: 8 in memory, 32 on disk; a consumer with RDY `rdy`.
  void backlog_and_consumer(int64_t rdy) {
    caf::anon_send(ch, enqueue_atom::value, make_test_batch(1, 40), caf::timespan{0});
    sched.run();
    REQUIRE(state().disk.depth() == 32);
    reader = consumer(ch, log);
    subscribe(reader);
    caf::anon_send(reader, ready_atom::value, rdy);
  }

  /// Runs one job at a time until the channel has two reads on their way
  /// (sent, not yet answered); false if that never happens.
  bool run_until_two_reads() {
    for (int i = 0; i < 1000 && sched.try_run_once(); ++i)
      if (state().disk.reads_in_flight() == disk_link::max_reads)
        return true;
    return false;
  }
};

std::vector<std::string> bodies(size_t first, size_t last) {
  std::vector<std::string> out;
  for (auto i = first; i <= last; ++i)
    out.push_back("m" + std::to_string(i));
  return out;
}

} // namespace

TEST_CASE_METHOD(refill_fixture,
                 "a channel keeps two reads on their way and delivers its disk backlog "
                 "in order",
                 "[disk_refill]") {
  backlog_and_consumer(100);
  CHECK(run_until_two_reads());
  sched.run();
  REQUIRE(log.delivered.size() == 40);
  CHECK(delivered_bodies() == bodies(1, 40));
  CHECK(state().disk.depth() == 0);
  CHECK(state().disk.unconfirmed() == 32); // until FIN
}

TEST_CASE_METHOD(refill_fixture,
                 "records read before an empty are not delivered after it",
                 "[disk_refill]") {
  backlog_and_consumer(8); // m1..m8 in flight, then the reads of m9..m16
  REQUIRE(run_until_two_reads());
  caf::anon_send(ch, empty_atom::value);
  sched.prioritize(ch);
  sched.run_once(); // the empty, before the I/O actor answered the reads
  sched.run();
  CHECK(log.delivered.size() == 8);
  CHECK(state().queue.empty());
  CHECK(state().disk.depth() == 0);
  CHECK(state().disk.unconfirmed() == 0);
  // The channel works on: new messages arrive (the empty reset in-flight).
  caf::anon_send(ch, enqueue_atom::value, make_test_batch(41, 3), caf::timespan{0});
  sched.run();
  REQUIRE(log.delivered.size() == 11);
  CHECK(log.body(8) == "m41");
  CHECK(log.body(10) == "m43");
}

TEST_CASE_METHOD(refill_fixture,
                 "a channel shut down with reads on their way loses no record",
                 "[disk_refill]") {
  backlog_and_consumer(8); // m1..m8 in flight (from memory), m9..m40 on disk
  REQUIRE(run_until_two_reads());
  caf::anon_send_exit(ch, caf::exit_reason::user_shutdown);
  sched.prioritize(ch);
  sched.run_once(); // the exit, before the I/O actor answered the reads
  sched.run();
  // The records those reads took are unconfirmed: read again, not released
  // with what the channel held (it never received them).
  auto on_disk = queue_bodies(path, "t:c");
  auto expected = bodies(9, 40);
  auto in_flight = bodies(1, 8);
  expected.insert(expected.end(), in_flight.begin(), in_flight.end());
  CHECK(on_disk == expected);
}

TEST_CASE_METHOD(refill_fixture,
                 "overflow behind a disk backlog that fits into memory waits there and "
                 "follows it in order, never written",
                 "[disk_refill]") {
  caf::anon_send(ch, enqueue_atom::value, make_test_batch(1, 12), caf::timespan{0});
  sched.run();
  REQUIRE(state().disk.depth() == 4); // m9..m12; m1..m8 in memory
  auto segment = storage::segment_path(path, "t:c", 0);
  auto written = std::filesystem::file_size(segment);
  reader = consumer(ch, log);
  subscribe(reader);
  caf::anon_send(reader, ready_atom::value, int64_t{100});
  bool reading = false;
  for (int i = 0; i < 1000 && !reading && sched.try_run_once(); ++i)
    reading = state().disk.reading();
  REQUIRE(reading); // m1..m8 delivered, the read of m9..m12 on its way
  caf::anon_send(ch, enqueue_atom::value, make_test_batch(13, 4), caf::timespan{0});
  sched.run();
  REQUIRE(log.delivered.size() == 16);
  CHECK(delivered_bodies() == bodies(1, 16));
  CHECK(std::filesystem::file_size(segment) == written); // m13..m16 stayed in memory
  CHECK(state().disk.depth() == 0);
  CHECK(state().spill.empty());
}
