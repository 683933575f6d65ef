// A full disk without a restart (docs/reliability.md, "FINed messages
// delivered again during a disk-full episode"): writes, syncs and meta
// writes fail for a while, then space returns. No message may be delivered
// again once it was finished: not when the queue's owner or its I/O actor
// dies and the queue reopens either. The one exception is a shutdown on the
// full disk: its meta cannot be written, so what was finished since its last
// sync comes back at the next start. The full disk is the disk queues'
// sync_fault: every sync, meta write and queue opening fails while it is set.

#include "actors/channel_state.hpp"
#include "actors/disk_worker.hpp"
#include "actors/topic.hpp"
#include "actors/topic_state.hpp"
#include "tests/actors/delivery_helpers.hpp"
#include "tests/actors/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>

using namespace nsq;
using namespace nsq::test;

namespace {

struct disk_full_fixture : temp_dir, delivery_fixture {
  std::shared_ptr<bool> full = std::make_shared<bool>(false);
  /// The next sync throws (once): its I/O actor dies.
  std::shared_ptr<bool> crash = std::make_shared<bool>(false);
  caf::actor topic;
  caf::actor ch;
  consumer_log log;
  caf::actor c;

  bool pooled;
  caf::actor broker;

  /// Topic "t" with channel "c" and its consumer (RDY 0), crash-safe settings;
  /// `pooled`: the queues live in one shared I/O actor (as in the broker).
  explicit disk_full_fixture(bool pooled = false) : pooled(pooled) {
    config->mem_queue_size = 0;
    config->sync_every = 1;
    broker = sys.spawn(ignore_health, 0);
    to_stop.push_back(broker);
    start({}, storage::topic_metadata{});
  }

  /// `queues_on_disk`: those with files at startup.
  disk_context_ptr context(std::set<std::string> queues_on_disk) {
    auto ctx = std::make_shared<disk_context>();
    ctx->data_path = path;
    ctx->detached = false; // the I/O actors run on the test scheduler
    ctx->broker = broker;
    ctx->queues_on_disk = std::move(queues_on_disk);
    ctx->sync_fault = [full = full, crash = crash] {
      if (*crash) {
        *crash = false;
        throw std::runtime_error("injected: I/O actor failure");
      }
      return *full ? storage::status::no_space("injected: disk full")
                   : storage::status::ok();
    };
    if (pooled)
      ctx->pool = spawn_disk_pool(sys, *ctx, *config, 1);
    return ctx;
  }

  void start(std::set<std::string> queues_on_disk, storage::topic_metadata meta) {
    topic = spawn_topic(sys, "t", config, context(std::move(queues_on_disk)), meta);
    to_stop.push_back(topic);
    sched.run();
    open_channel();
  }

  /// SIGTERM: the topic and its channel persist what they hold and quit.
  void shut_down() {
    caf::anon_send_exit(topic, caf::exit_reason::user_shutdown);
    sched.run();
  }

  /// The next start over the same files (nsqd.dat lists "t" and "c").
  void restart() {
    start({"t", "t:c"}, storage::topic_metadata{"t", false, {{"c", false}}});
  }

  /// Gets channel "c" of the topic and subscribes a consumer (the same log).
  void open_channel() {
    ch = ask_actor(topic, get_channel_atom::value, std::string{"c"});
    REQUIRE(ch);
    to_stop.push_back(ch);
    c = consumer(ch, log);
    subscribe(c);
  }

  /// Publishes m<first>... and returns the topic's answer ("" = stored).
  std::string try_publish(int first, int count) {
    std::vector<std::string> bodies;
    for (int i = first; i < first + count; ++i)
      bodies.push_back("m" + std::to_string(i));
    return ask_string(topic, publish_atom::value, bodies, caf::timespan{0});
  }

  void publish(int first, int count) { REQUIRE(try_publish(first, count) == ""); }

  /// Channel "c" dies without closing its queue (a crash of its actor) and
  /// is created again by name, with a new consumer.
  void recreate_channel() {
    caf::anon_send_exit(ch, caf::exit_reason::kill);
    sched.run();
    open_channel();
  }

  /// RDY n, then FIN everything delivered so far.
  void consume(int64_t n) {
    caf::anon_send(c, ready_atom::value, n);
    sched.run();
    std::vector<message_id> ids;
    for (size_t i = 0; i < log.delivered.size(); ++i)
      ids.push_back(log.id(i));
    caf::anon_send(c, finish_atom::value, id_batch{ids});
    sched.run();
  }

  /// Consumes the rest: `n` messages delivered, none of them twice.
  void check_each_delivered_once(size_t n) {
    consume(100);
    std::map<std::string, int> seen;
    std::vector<std::string> repeated;
    for (size_t i = 0; i < log.delivered.size(); ++i)
      if (++seen[log.body(i)] == 2)
        repeated.push_back(log.body(i));
    INFO("delivered again: " << Catch::Detail::stringify(repeated));
    CHECK(repeated.empty());
    CHECK(log.delivered.size() == n);
  }
};

struct pooled_disk_full_fixture : disk_full_fixture {
  pooled_disk_full_fixture() : disk_full_fixture(true) {}
};

} // namespace

TEST_CASE_METHOD(disk_full_fixture,
                 "a channel's queue emptied while its meta cannot be written does not "
                 "deliver its finished records again when it reopens",
                 "[durability][disk_fault]") {
  publish(0, 10); // on the channel's disk, its meta synced, read ahead
  auto& cs = state_of<channel_state>(ch);
  REQUIRE(cs.queue.size() == 10);
  REQUIRE(cs.disk.unconfirmed() == 10);
  *full = true;
  consume(100); // read, delivered, finished: the read position cannot be synced
  REQUIRE(log.delivered.size() == 10);
  *full = false;
  publish(10, 1); // the channel's queue is written to again
  check_each_delivered_once(11);
}

TEST_CASE_METHOD(disk_full_fixture,
                 "records a channel kept in memory after a failed write are not handed "
                 "over again once the disk works",
                 "[durability][disk_fault]") {
  caf::anon_send(topic, pause_atom::value, true);
  sched.run();
  publish(0, 10); // on the topic's disk only: the topic is paused
  *full = true;
  caf::anon_send(topic, pause_atom::value, false);
  sched.run();
  // Handed over; the channel's queue cannot open (its meta cannot be
  // written): the copies stay in the channel's memory, the topic releases
  // its records but cannot sync that.
  auto& cs = state_of<channel_state>(ch);
  REQUIRE(cs.queue.size() == 10);
  REQUIRE(cs.origins_off);
  consume(100);
  REQUIRE(log.delivered.size() == 10);
  *full = false;
  publish(10, 1); // the topic's queue is written to again
  check_each_delivered_once(11);
}

TEST_CASE_METHOD(pooled_disk_full_fixture,
                 "a channel created again while its predecessor's meta cannot be written "
                 "does not deliver the records its predecessor finished",
                 "[durability][disk_fault]") {
  publish(0, 10); // on the channel's disk, its meta synced, read ahead
  caf::anon_send(topic, pause_atom::value, true);
  sched.run();
  publish(10, 1); // on the topic's disk
  *full = true;
  consume(100); // finished: the read position cannot be synced
  REQUIRE(log.delivered.size() == 10);
  recreate_channel(); // the old channel's queue is still open in the I/O actor
  caf::anon_send(topic, pause_atom::value, false);
  sched.run(); // m10 handed to the new channel: its write reaches the queue
  *full = false;
  publish(11, 1); // written to the channel's queue once the disk works
  check_each_delivered_once(12);
}

TEST_CASE_METHOD(pooled_disk_full_fixture,
                 "a channel whose I/O actor died does not deliver its finished records "
                 "again from the queue it reopens",
                 "[durability][disk_fault]") {
  publish(0, 10); // on the channel's disk, its meta synced, read ahead
  *full = true;
  consume(100); // finished: the read position cannot be synced, the queue stays open
  REQUIRE(log.delivered.size() == 10);
  auto io = state_of<channel_state>(ch).disk.io_actor();
  REQUIRE(io);
  *full = false;
  *crash = true;
  consume(100); // the channel retires its queue again: that sync throws
  REQUIRE(!*crash);
  REQUIRE(caf::actor_cast<caf::abstract_actor*>(io)->getf(
      caf::abstract_actor::is_terminated_flag));
  // The topic's and the channel's next writes go to the dead actor and fail
  // (nothing stored: the publisher is told); then private I/O actors.
  size_t stored = 10;
  for (int i = 10; i < 13; ++i)
    stored += try_publish(i, 1).empty() ? 1 : 0;
  publish(13, 1);
  check_each_delivered_once(stored + 1);
}

TEST_CASE_METHOD(pooled_disk_full_fixture,
                 "after a SIGTERM on a full disk the messages finished since the last "
                 "sync come back at the next start, and none is lost",
                 "[durability][disk_fault]") {
  publish(0, 10); // on the channel's disk, its meta synced
  consume(100);   // finished, their read position synced
  caf::anon_send(c, ready_atom::value, int64_t{0});
  sched.run();
  publish(10, 10); // read ahead into the channel's memory
  *full = true;
  // m10..m14 finished (their read position cannot be written); then
  // m15..m19 delivered, in flight at the exit.
  consume(5);
  REQUIRE(log.delivered.size() == 20);
  shut_down(); // cannot write the meta either
  *full = false;
  restart();
  consume(100);
  std::multiset<std::string> again;
  for (size_t i = 20; i < log.delivered.size(); ++i)
    again.insert(log.body(i));
  INFO("delivered after the restart: " << Catch::Detail::stringify(again));
  // m15..m19 come back after any shutdown (in flight at the exit); m10..m14
  // because the meta still names them: finished since its last sync.
  std::multiset<std::string> expected;
  for (int i = 10; i < 20; ++i)
    expected.insert("m" + std::to_string(i));
  CHECK(again == expected);
}
