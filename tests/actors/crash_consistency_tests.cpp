// Crash consistency of the disk queues' peek-then-confirm (docs/disk-format.md):
// at any moment, what the files say (as a SIGKILL would leave them, copied
// aside) still holds every message acknowledged and not finished. Disk
// workers run on the test scheduler, so a "moment" is any scheduler step.
// A SIGTERM at any such step, then a restart, delivers each message once.

#include "actors/channel.hpp"
#include "actors/channel_state.hpp"
#include "actors/topic.hpp"
#include "actors/topic_state.hpp"
#include "storage/disk_queue.hpp"
#include "storage/queue_record.hpp"
#include "tests/actors/delivery_helpers.hpp"
#include "tests/actors/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

using namespace std::chrono_literals;
using namespace nsq;
using namespace nsq::test;

namespace {

namespace fs = std::filesystem;

using crash_dir = temp_dir;

/// Copies the files of `from` to `to`: what a SIGKILL now would leave.
void copy_queues(const std::string& from, const std::string& to) {
  for (auto& e : fs::directory_iterator(from))
    if (e.is_regular_file())
      fs::copy_file(e.path(), to + "/" + e.path().filename().string());
}

// An argument: CAF 0.17.6 binds a null reference for argument-less function
// actors (UBSan).
caf::behavior ignore_reports(caf::event_based_actor*, int) {
  return {
      [](health_atom, const std::string&) {},
      [](drained_atom, uint64_t) {},
      [](wants_atom, bool) {},
  };
}

struct crash_fixture : crash_dir, delivery_fixture {
  uint64_t drained = 0;
  caf::actor probe;
  caf::actor broker;

  crash_fixture() {
    config->mem_queue_size = 0;
    config->sync_every = 1;
    probe = sys.spawn(drained_probe, &drained);
    broker = sys.spawn(ignore_reports, 0);
    to_stop.push_back(probe);
    to_stop.push_back(broker);
  }

  disk_context_ptr context() {
    auto ctx = std::make_shared<disk_context>();
    ctx->data_path = path;
    ctx->detached = false;
    ctx->broker = broker;
    return ctx;
  }

  /// A disk context over `dir` that knows the queues found there.
  disk_context_ptr context_at(const std::string& dir) {
    auto ctx = std::make_shared<disk_context>(*context());
    ctx->data_path = dir;
    for (auto& e : fs::directory_iterator(dir)) {
      auto file = e.path().filename().string();
      auto at = file.find(".diskqueue.");
      if (at != std::string::npos)
        ctx->queues_on_disk.insert(file.substr(0, at));
    }
    return ctx;
  }

  /// The restart over `dir`: topic t with its channel c, new actors, a
  /// consumer that FINs all. Returns the bodies it received.
  std::multiset<std::string> delivered_after_restart(const std::string& dir) {
    auto again = spawn_topic(sys, "t", config, context_at(dir),
                             storage::topic_metadata{"t", false, {{"c", false}}});
    sched.run();
    auto ch = ask_actor(again, get_channel_atom::value, std::string{"c"});
    REQUIRE(ch);
    consumer_log log;
    auto c = consumer(ch, log);
    subscribe(c);
    caf::anon_send(c, ready_atom::value, int64_t{100});
    sched.run();
    for (size_t round = 0; round < 3; ++round) { // deferred twins surface late
      std::vector<message_id> ids;
      for (size_t i = 0; i < log.delivered.size(); ++i)
        ids.push_back(log.id(i));
      caf::anon_send(c, finish_atom::value, id_batch{ids});
      sched.run();
      advance(2min);
      sched.run();
    }
    std::multiset<std::string> got;
    for (size_t i = 0; i < log.delivered.size(); ++i)
      got.insert(log.body(i));
    for (auto& a : {again, c})
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    sched.run();
    return got;
  }

  /// A new topic t over `dir` (nothing restored), started.
  caf::actor topic_over(const std::string& dir) {
    auto t = spawn_topic(sys, "t", config, context_at(dir), storage::topic_metadata{});
    sched.run();
    return t;
  }

  /// Publishes `all` to `topic` (onto its disk: --mem-queue-size=0), lets
  /// channel c appear and runs up to k scheduler steps of the hand-off;
  /// returns the steps run (fewer than k: the hand-off is complete).
  size_t start_handoff(const caf::actor& topic, const std::vector<std::string>& all,
                       size_t k) {
    REQUIRE(ask_string(topic, publish_atom::value, all, caf::timespan{0}) == "");
    caf::anon_send(topic, get_channel_atom::value, std::string{"c"});
    size_t steps = 0;
    while (steps < k && sched.try_run_once())
      ++steps;
    return steps;
  }

  /// Bodies of queue `name` as a SIGKILL now would leave it: the files are
  /// copied aside and opened there (recovery included), the live ones untouched.
  std::vector<std::string> after_crash(const std::string& name) {
    crash_dir copy;
    copy_queues(path, copy.path);
    storage::disk_queue_options o;
    o.directory = copy.path;
    o.name = name;
    std::unique_ptr<storage::disk_queue> q;
    REQUIRE(storage::disk_queue::open(o, q).is_ok());
    std::vector<std::string> out;
    std::string payload;
    while (q->read_next(payload).is_ok()) {
      storage::queue_record r;
      REQUIRE(storage::decode_queue_record(payload, r).is_ok());
      out.push_back(r.message.body);
    }
    return out;
  }
};

std::vector<std::string> bodies(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i)
    out.push_back("m" + std::to_string(i));
  return out;
}

} // namespace

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
  auto ch = ask_actor(topic, get_channel_atom::value, std::string{"c"});
  REQUIRE(ch);
  to_stop.push_back(ch);
  consumer_log log;
  auto c = consumer(ch, log);
  subscribe(c);
  caf::anon_send(c, ready_atom::value, int64_t{100});
  sched.run();
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

TEST_CASE_METHOD(crash_fixture,
                 "a SIGKILL at any step of a topic's handoff delivers each message "
                 "exactly once after the restart",
                 "[durability][crash]") {
  auto all = bodies(0, 20);
  size_t crash_points = 0;
  for (size_t k = 1;; ++k) {
    // The first run: 20 on the topic's disk, then channel c appears and the
    // topic hands them over; the crash comes after k scheduler steps (one of
    // them: the channel's write answered, the topic's confirm not yet synced).
    crash_dir live;
    crash_dir crashed;
    auto topic = topic_over(live.path);
    auto steps = start_handoff(topic, all, k);
    bool last = steps < k;
    copy_queues(live.path, crashed.path);
    auto got = delivered_after_restart(crashed.path);
    for (auto& b : all) {
      INFO("crash after step " << steps << ": " << b);
      CHECK(got.count(b) == 1);
    }
    ++crash_points;
    caf::anon_send_exit(topic, caf::exit_reason::user_shutdown);
    sched.run();
    if (last)
      break;
  }
  CHECK(crash_points > 3);
}

TEST_CASE_METHOD(crash_fixture,
                 "a SIGTERM at any step of a topic's handoff through memory queues "
                 "delivers each message exactly once after the restart",
                 "[durability][shutdown]") {
  // Memory queues: the channel holds copies the topic read from its disk in
  // memory (or in flight) only, and its shutdown writes them to its disk
  // without origins.
  config->mem_queue_size = 4;
  config->sync_every = 2500;
  auto all = bodies(0, 20);
  for (bool consuming : {false, true}) {
    size_t stop_points = 0;
    for (size_t k = 1;; ++k) {
      // Without a consumer: 4 in the topic's memory, 16 on its disk, then
      // channel c appears and the topic hands them over. With one (RDY 100,
      // no FIN), channel c is there first: the topic's disk records reach
      // the channel's memory and go in flight. The SIGTERM comes after k
      // scheduler steps.
      crash_dir live;
      auto topic = topic_over(live.path);
      consumer_log log;
      caf::actor c;
      if (consuming) {
        c = consumer(ask_actor(topic, get_channel_atom::value, std::string{"c"}), log);
        to_stop.push_back(c);
        subscribe(c);
        caf::anon_send(c, ready_atom::value, int64_t{100});
        sched.run();
        caf::anon_send(topic, publish_atom::value, all, caf::timespan{0});
      } else {
        REQUIRE(ask_string(topic, publish_atom::value, all, caf::timespan{0}) == "");
        REQUIRE(state_of<topic_state>(topic).disk.depth() == 16);
        caf::anon_send(topic, get_channel_atom::value, std::string{"c"});
      }
      size_t steps = 0;
      while (steps < k && sched.try_run_once())
        ++steps;
      bool last = steps < k;
      caf::anon_send_exit(topic, caf::exit_reason::user_shutdown); // the broker's
      sched.run();
      REQUIRE_FALSE(is_alive(topic));
      auto got = delivered_after_restart(live.path);
      for (auto& b : all) {
        INFO("SIGTERM after step " << steps << (consuming ? " (consuming)" : "") << ": "
                                   << b);
        CHECK(got.count(b) == 1);
      }
      ++stop_points;
      if (c)
        caf::anon_send_exit(c, caf::exit_reason::user_shutdown);
      if (last)
        break;
    }
    CHECK(stop_points > 3);
  }
}

TEST_CASE_METHOD(crash_fixture,
                 "a SIGTERM at any step of a topic's handoff to a channel whose disk "
                 "writes fail loses no message after the restart",
                 "[durability][shutdown]") {
  // --mem-queue-size=0: every message lives on the topic's disk until the
  // channel stored its copy. The channel's writes fail (a directory where
  // its queue's meta file goes, as a full disk would): it keeps every batch
  // the topic hands over in memory, and its shutdown write fails too, so
  // the topic must keep the records of those batches.
  auto all = bodies(0, 20);
  size_t stop_points = 0;
  for (size_t k = 1;; ++k) {
    crash_dir live;
    auto topic = topic_over(live.path);
    auto blocker = live.path + "/t:c.diskqueue.meta.dat";
    fs::create_directory(blocker);
    auto steps = start_handoff(topic, all, k);
    bool last = steps < k;
    caf::anon_send_exit(topic, caf::exit_reason::user_shutdown); // the broker's
    sched.run();
    REQUIRE_FALSE(is_alive(topic));
    fs::remove(blocker);
    auto got = delivered_after_restart(live.path);
    for (auto& b : all) {
      INFO("SIGTERM after step " << steps << ": " << b);
      // The channel stored none, so none comes twice either.
      CHECK(got.count(b) == 1);
    }
    ++stop_points;
    if (last)
      break;
  }
  CHECK(stop_points > 3);
}

TEST_CASE_METHOD(crash_fixture,
                 "a topic's shutdown completes when its channel ended before, ends "
                 "meanwhile or is deleted meanwhile",
                 "[durability][shutdown]") {
  auto all = bodies(0, 20);
  for (auto how :
       {"killed, its down seen before the exit", "killed, its down behind the exit",
        "killed after the exit", "deleted after the exit"}) {
    INFO(how);
    crash_dir live;
    auto topic = topic_over(live.path);
    auto ch = ask_actor(topic, get_channel_atom::value, std::string{"c"});
    REQUIRE(ch);
    REQUIRE(ask_string(topic, publish_atom::value, all, caf::timespan{0}) == "");
    std::string which = how;
    if (which.find("before") != std::string::npos) {
      caf::anon_send_exit(ch, caf::exit_reason::kill);
      sched.run();
    }
    if (which.find("behind") != std::string::npos)
      caf::anon_send_exit(ch, caf::exit_reason::kill); // dies first (FIFO)
    caf::anon_send_exit(topic, caf::exit_reason::user_shutdown);
    if (which == "killed after the exit")
      caf::anon_send_exit(ch, caf::exit_reason::kill); // ahead of the topic's
    if (which == "deleted after the exit")
      caf::anon_send(topic, delete_atom::value, std::string{"c"});
    sched.run();
    CHECK_FALSE(is_alive(ch));
    REQUIRE_FALSE(is_alive(topic));
    if (which == "deleted after the exit")
      continue;
    // The channel had stored them all before it was killed.
    auto got = delivered_after_restart(live.path);
    for (auto& b : all)
      CHECK(got.count(b) >= 1);
  }
}
