// Crash consistency of the disk queues' peek-then-confirm (docs/disk-format.md):
// at any moment, what the files say (as a SIGKILL would leave them, copied
// aside) still holds every message acknowledged and not finished. Disk
// workers run on the test scheduler, so a "moment" is any scheduler step.
// Restarts after a crash at any step: crash_restart_tests.cpp.

#include "tests/actors/crash_fixture.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using namespace nsq;
using namespace nsq::test;

TEST_CASE_METHOD(crash_fixture,
                 "a channel keeps delivered records on disk until they are finished",
                 "[durability][crash]") {
  auto ch = spawn_channel(sys, probe, "t", "c", config, context(), false);
  to_stop.push_back(ch);
  sched.run();
  caf::anon_send(ch, enqueue_atom::value, make_test_batch(1, 5), caf::timespan{0});
  sched.run();
  REQUIRE(drained == 5); // acknowledged: all five are on the channel's disk
  consumer_log log;
  auto c = consumer(ch, log);
  subscribe(c);
  caf::anon_send(c, ready_atom::value, int64_t{10});
  sched.run();
  REQUIRE(log.delivered.size() == 5);
  CHECK(after_crash("t:c") == bodies(1, 6)); // all in flight: all come back
  caf::anon_send(c, finish_atom::value,
                 id_batch{std::vector<message_id>{log.id(0), log.id(1)}});
  sched.run();
  CHECK(after_crash("t:c") == bodies(3, 6));
  // A FIN out of order cannot move the read position past m3, still in
  // flight, but the confirm journal keeps m4 from coming back.
  caf::anon_send(c, finish_atom::value, id_batch{std::vector<message_id>{log.id(3)}});
  sched.run();
  CHECK(after_crash("t:c") == std::vector<std::string>{"m3", "m5"});
  caf::anon_send(c, finish_atom::value, id_batch{std::vector<message_id>{log.id(2)}});
  sched.run();
  CHECK(after_crash("t:c") == bodies(5, 6));
}

TEST_CASE_METHOD(crash_fixture,
                 "a requeued message is stored again before its first record goes",
                 "[durability][crash]") {
  auto ch = spawn_channel(sys, probe, "t", "c", config, context(), false);
  to_stop.push_back(ch);
  sched.run();
  caf::anon_send(ch, enqueue_atom::value, make_test_batch(1, 3), caf::timespan{0});
  sched.run();
  consumer_log log;
  auto c = consumer(ch, log);
  subscribe(c);
  caf::anon_send(c, ready_atom::value, int64_t{2});
  sched.run();
  REQUIRE(log.delivered.size() == 2); // m1 m2 in flight, m3 read ahead
  caf::anon_send(c, requeue_atom::value, log.id(0), caf::timespan{0});
  caf::anon_send(c, finish_atom::value, id_batch{std::vector<message_id>{log.id(1)}});
  sched.run();
  // m1 went back to disk (mem-queue-size 0) behind m3; its old record is gone.
  auto left = after_crash("t:c");
  CHECK(left == std::vector<std::string>{"m3", "m1"});
  // A deferred requeue stays in memory, so its record stays on disk.
  REQUIRE(log.delivered.size() == 4);
  caf::anon_send(c, requeue_atom::value, log.id(2), caf::timespan{1h});
  sched.run();
  CHECK(after_crash("t:c") == std::vector<std::string>{"m3", "m1"});
}

TEST_CASE_METHOD(crash_fixture,
                 "at every step of a topic's handoff each message is on disk somewhere",
                 "[durability][crash]") {
  auto topic = spawn_topic(sys, "t", config, context(), storage::topic_metadata{});
  to_stop.push_back(topic);
  sched.run();
  auto all = bodies(0, 20);
  REQUIRE(ask_string(topic, publish_atom::value, all, caf::timespan{0}) == "");
  REQUIRE(after_crash("t") == all);
  // The channel appears: the topic reads its backlog and hands it over.
  caf::anon_send(topic, get_channel_atom::value, std::string{"c"});
  size_t steps = 0;
  while (sched.try_run_once()) {
    ++steps;
    std::multiset<std::string> on_disk;
    for (auto& b : after_crash("t"))
      on_disk.insert(b);
    for (auto& b : after_crash("t:c"))
      on_disk.insert(b);
    for (auto& b : all) {
      INFO("step " << steps << ": " << b);
      CHECK(on_disk.count(b) >= 1);
    }
  }
  CHECK(steps > 3);
  CHECK(after_crash("t").empty());  // everything handed over...
  CHECK(after_crash("t:c") == all); // ...exactly once
  auto& ts = state_of<topic_state>(topic);
  CHECK(ts.disk.unconfirmed() == 0);
}

TEST_CASE_METHOD(crash_fixture,
                 "finished messages of a topic's channel leave the disk as they finish",
                 "[durability][crash]") {
  auto topic = spawn_topic(sys, "t", config, context(), storage::topic_metadata{});
  to_stop.push_back(topic);
  sched.run();
  auto ch = ask_actor(topic, get_channel_atom::value, std::string{"c"});
  REQUIRE(ch);
  to_stop.push_back(ch);
  for (int i = 0; i < 300; ++i)
    REQUIRE(ask_string(topic, publish_atom::value,
                       std::vector<std::string>{"m" + std::to_string(i)},
                       caf::timespan{0}) == "");
  consumer_log log;
  auto c = consumer(ch, log);
  subscribe(c);
  caf::anon_send(c, ready_atom::value, int64_t{40});
  sched.run();
  size_t finished = 0;
  while (finished < 250 && finished < log.delivered.size()) {
    caf::anon_send(c, finish_atom::value,
                   id_batch{std::vector<message_id>{log.id(finished++)}});
    sched.run();
  }
  REQUIRE(finished == 250);
  auto left = after_crash("t:c");
  REQUIRE_FALSE(left.empty());
  CHECK(left.front() == "m250");
  CHECK(left.size() == 50);
}

TEST_CASE_METHOD(crash_fixture,
                 "a failing sync neither fails a stored PUB nor loses a read record",
                 "[durability][crash]") {
  auto failing = std::make_shared<bool>(false);
  auto reports = std::make_shared<std::vector<std::string>>(); // outlives the actor
  auto& health = *reports;
  // An argument: CAF 0.17.6 binds a null reference for argument-less function
  // actors (UBSan).
  auto recorder = sys.spawn(
      [reports](caf::event_based_actor*, int) -> caf::behavior {
        return {[reports](health_atom, const std::string& e) { reports->push_back(e); }};
      },
      0);
  to_stop.push_back(recorder);
  auto ctx = std::make_shared<disk_context>(*context());
  ctx->broker = recorder;
  ctx->sync_fault = [failing] {
    return *failing ? storage::status::io_error("injected fsync", 5)
                    : storage::status::ok();
  };
  auto topic = spawn_topic(sys, "t", config, ctx, storage::topic_metadata{});
  to_stop.push_back(topic);
  sched.run();
  // The queue opens (writing its meta) with the first PUB; then syncs fail.
  REQUIRE(ask_string(topic, publish_atom::value, bodies(0, 10), caf::timespan{0}) == "");
  *failing = true;
  // Stored, not synced: answered OK (E_PUB_FAILED would make the client retry
  // and duplicate it); health shows the failed sync.
  CHECK(ask_string(topic, publish_atom::value, bodies(10, 30), caf::timespan{0}) == "");
  REQUIRE_FALSE(health.empty());
  CHECK(health.back().find("sync failed") != std::string::npos);
  // Reading and handing over while every sync fails: nothing is dropped.
  consumer_log log;
  read_channel(topic, "c", log, 100);
  REQUIRE(log.delivered.size() == 30);
  for (size_t i = 0; i < 30; ++i)
    CHECK(log.body(i) == "m" + std::to_string(i));
  *failing = false;
}

TEST_CASE_METHOD(crash_fixture,
                 "a channel exiting while its refill read is outstanding keeps the "
                 "records of that read",
                 "[durability][crash][shutdown]") {
  config->mem_queue_size = 4; // memory 4, refill below 2
  config->sync_every = 2500;  // a memory queue (sync_every 1 allows none)
  auto ch = spawn_channel(sys, probe, "t", "c", config, context(), false);
  to_stop.push_back(ch);
  sched.run();
  caf::anon_send(ch, enqueue_atom::value, make_test_batch(1, 10), caf::timespan{0});
  sched.run();
  auto& cs = state_of<channel_state>(ch);
  REQUIRE(cs.queue.size() == 4); // m1..m4; m5..m10 on disk
  REQUIRE(cs.disk.depth() == 6);
  consumer_log log;
  auto c = consumer(ch, log);
  subscribe(c);
  // RDY 3: m1..m3 go in flight, memory falls to 1 and the channel asks its
  // I/O actor for a batch. The SIGTERM's exit reaches the channel before
  // the I/O actor handled that read.
  caf::anon_send(c, ready_atom::value, int64_t{3});
  sched.prioritize(c);
  sched.run_once(); // the consumer forwards RDY
  sched.prioritize(ch);
  sched.run_once(); // the channel delivers and sends the read
  REQUIRE(cs.disk.reading());
  caf::anon_send_exit(ch, caf::exit_reason::user_shutdown);
  sched.prioritize(ch);
  sched.run_once(); // the exit: memory and in-flight written, queue closed
  sched.run();
  CHECK_FALSE(is_alive(ch));
  std::multiset<std::string> kept;
  for (auto& b : after_crash("t:c"))
    kept.insert(b);
  for (int i = 1; i <= 10; ++i)
    CHECK(kept.count("m" + std::to_string(i)) == 1);
}
