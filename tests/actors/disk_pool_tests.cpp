// The disk I/O pool and the disk link's lifecycle on the test scheduler:
// every PUB waiting on a disk write is answered when its topic is purged or
// shuts down, and a deleted then re-created queue never shares its files
// with the old owner.

#include "actors/broker.hpp"
#include "actors/channel.hpp"
#include "actors/channel_state.hpp"
#include "actors/disk_worker.hpp"
#include "actors/http_api.hpp"
#include "actors/topic.hpp"
#include "actors/topic_state.hpp"
#include "storage/disk_queue.hpp"
#include "storage/queue_record.hpp"
#include "tests/actors/delivery_helpers.hpp"
#include "tests/actors/queue_contents.hpp"
#include "tests/actors/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>

using namespace std::chrono_literals;
using namespace nsq;
using namespace nsq::test;

namespace {

// An argument: CAF 0.17.6 binds a null reference for argument-less function
// actors (UBSan).
caf::behavior quiet_broker(caf::event_based_actor*, int) {
  return {
      [](health_atom, const std::string&) {},
      [](drained_atom, uint64_t) {},
      [](wants_atom, bool) {},
  };
}

struct pool_fixture : temp_dir, delivery_fixture {
  caf::actor broker_probe;
  caf::scoped_actor client{sys};

  pool_fixture() {
    broker_probe = sys.spawn(quiet_broker, 0);
    to_stop.push_back(broker_probe);
  }

  disk_context_ptr context(bool pooled) {
    auto ctx = std::make_shared<disk_context>();
    ctx->data_path = path;
    ctx->detached = false;
    ctx->broker = broker_probe;
    if (pooled)
      ctx->pool = spawn_disk_pool(sys, *ctx, *config, 1);
    return ctx;
  }

  /// The reply already delivered to `client`, or "<none>" (no blocking).
  std::string reply_now() {
    std::string out = "<none>";
    client->receive([&](std::string& s) { out = std::move(s); },
                    [&](caf::error&) { out = "<error>"; }, caf::after(0s) >> [] {});
    return out;
  }

  /// Publishes `body` to `topic` and runs until the topic has sent its
  /// disk write (the I/O actor has not answered it yet).
  void publish_until_writing(const caf::actor& topic, std::string body) {
    client->send(topic, publish_atom::value, std::vector<std::string>{std::move(body)},
                 caf::timespan{0});
    auto& ts = state_of<topic_state>(topic);
    sched.prioritize(topic);
    sched.run_once();
    REQUIRE(ts.disk.writing() == 1);
    REQUIRE(ts.disk.outstanding_writes() == 1);
  }

  std::vector<std::string> bodies_of(const std::string& name) {
    return queue_bodies(path, name);
  }

  /// Runs every runnable actor but `held`, whose mailbox waits.
  void run_all_but(const caf::actor& held) {
    auto* job =
        dynamic_cast<caf::resumable*>(caf::actor_cast<caf::abstract_actor*>(held));
    auto& jobs = sched.jobs;
    for (;;) {
      auto it = std::find_if(jobs.begin(), jobs.end(),
                             [job](caf::resumable* j) { return j != job; });
      if (it == jobs.end())
        return;
      std::rotate(jobs.begin(), it, std::next(it));
      sched.run_once();
    }
  }

  /// Retires `topic`'s idle queue (its close sent, not yet answered) after a
  /// first message "a" passed through it to channel "c".
  void retire_topic_queue(const caf::actor& topic) {
    auto ch = ask_actor(topic, get_channel_atom::value, std::string{"c"});
    REQUIRE(ch);
    auto& ts = state_of<topic_state>(topic);
    publish_until_writing(topic, "a");
    while (ts.disk.io_actor() && sched.try_run_once()) {
    }
    REQUIRE_FALSE(ts.disk.io_actor());
    CHECK(reply_now() == "");
  }

  /// Publishes `bodies` as one PUB/MPUB that waits for the retiring close.
  void publish_behind_close(const caf::actor& topic, std::vector<std::string> bodies) {
    auto& ts = state_of<topic_state>(topic);
    auto before = ts.disk.outstanding_writes();
    client->send(topic, publish_atom::value, std::move(bodies), caf::timespan{0});
    sched.prioritize(topic);
    sched.run_once();
    REQUIRE(ts.disk.outstanding_writes() == before + 1);
  }

  /// With either kind of I/O actor: `batches` (one PUB/MPUB each) wait for
  /// the topic queue's retiring close when the shutdown comes; each is
  /// answered OK once, and the queue then holds `expected`.
  void shutdown_behind_close(const std::vector<std::vector<std::string>>& batches,
                             const std::vector<std::string>& expected) {
    config->mem_queue_size = 0;
    for (bool pooled : {false, true}) {
      auto topic =
          spawn_topic(sys, "t", config, context(pooled), storage::topic_metadata{});
      sched.run();
      // "a" passes the topic's disk to the channel's; the topic's queue is
      // then empty and idle, and it retires: the close is sent, not answered.
      retire_topic_queue(topic);
      for (auto& bodies : batches)
        publish_behind_close(topic, bodies);
      caf::anon_send_exit(topic, caf::exit_reason::user_shutdown);
      sched.prioritize(topic);
      sched.run_once(); // the exit, still before the close was answered
      CHECK(reply_now() == "<none>");
      sched.run();
      for (size_t i = 0; i < batches.size(); ++i)
        CHECK(reply_now() == "");
      CHECK(reply_now() == "<none>");
      CHECK_FALSE(is_alive(topic));
      CHECK(bodies_of("t") == expected);
      std::filesystem::remove_all(path);
      std::filesystem::create_directory(path);
    }
  }
};

/// A broker that only knows `topic` (and hears the disk health reports).
caf::behavior topic_broker(caf::event_based_actor*, caf::actor topic) {
  return {
      [topic](get_topic_atom, const std::string&) { return topic; },
      [](health_atom, const std::string&) {},
  };
}

} // namespace

TEST_CASE_METHOD(pool_fixture,
                 "a PUB waiting on the disk is answered when its topic is purged",
                 "[disk_pool]") {
  config->mem_queue_size = 0;
  for (bool pooled : {false, true}) {
    auto topic =
        spawn_topic(sys, "t", config, context(pooled), storage::topic_metadata{});
    sched.run();
    publish_until_writing(topic, "a");
    caf::anon_send(topic, purge_atom::value);
    sched.prioritize(topic);
    sched.run_once(); // the purge, before the I/O actor answered the write
    CHECK(reply_now() == "exiting");
    sched.run();
    CHECK(reply_now() == "<none>"); // answered once
    CHECK_FALSE(std::filesystem::exists(path + "/t.diskqueue.meta.dat"));
  }
}

TEST_CASE_METHOD(pool_fixture,
                 "a PUB whose disk write was sent before the shutdown is answered OK "
                 "once stored",
                 "[disk_pool][shutdown]") {
  config->mem_queue_size = 0;
  for (bool pooled : {false, true}) {
    auto topic =
        spawn_topic(sys, "t", config, context(pooled), storage::topic_metadata{});
    sched.run();
    publish_until_writing(topic, "a");
    caf::anon_send_exit(topic, caf::exit_reason::user_shutdown);
    sched.prioritize(topic);
    sched.run_once();               // the exit, before the I/O actor answered the write
    CHECK(reply_now() == "<none>"); // the topic waits for the write's answer
    CHECK(is_alive(topic));
    sched.run();
    // The write was already queued: it completes, and the message exists, so
    // the publisher is told OK (an error would make it publish a duplicate).
    CHECK(reply_now() == "");
    CHECK(reply_now() == "<none>"); // answered once
    CHECK_FALSE(is_alive(topic));
    CHECK(bodies_of("t") == std::vector<std::string>{"a"});
    std::filesystem::remove_all(path);
    std::filesystem::create_directory(path);
  }
}

TEST_CASE_METHOD(pool_fixture,
                 "a PUB waiting for a retiring queue's close when the shutdown comes is "
                 "answered by the shutdown's write",
                 "[disk_pool][shutdown]") {
  // Stored by the shutdown's write: OK, not "exiting".
  shutdown_behind_close({{"b"}}, {"b"});
}

TEST_CASE_METHOD(pool_fixture,
                 "a topic deleted and re-created at once never shares its files with "
                 "the old one",
                 "[disk_pool]") {
  config->mem_queue_size = 0;
  broker_startup startup;
  startup.data_path = path;
  startup.detached = false;
  auto broker = spawn_broker(sys, config, std::move(startup));
  sched.run();
  auto get_topic = [&] {
    caf::actor t;
    client->send(broker, get_topic_atom::value, std::string{"t"});
    bool got = false;
    while (!got && sched.prioritize(broker)) { // the broker alone
      sched.run_once();
      client->receive([&](caf::actor& a) { t = a, got = true; },
                      [&](caf::error&) { got = true; }, caf::after(0s) >> [] {});
    }
    return t;
  };
  auto old_topic = get_topic();
  REQUIRE(old_topic);
  sched.run();
  client->send(old_topic, publish_atom::value, std::vector<std::string>{"old"},
               caf::timespan{0});
  sched.run();
  CHECK(reply_now() == "");
  // Delete, re-create and publish to the new topic before the old one ran
  // its purge: the new topic's write reaches the I/O actor first.
  client->send(broker, delete_atom::value, std::string{"t"});
  sched.prioritize(broker);
  sched.run_once();
  client->receive([](bool) {}, [](caf::error&) {}, caf::after(0s) >> [] {});
  auto new_topic = get_topic();
  REQUIRE(new_topic);
  REQUIRE(new_topic != old_topic);
  sched.prioritize(new_topic);
  sched.run_once(); // its start
  client->send(new_topic, publish_atom::value, std::vector<std::string>{"new"},
               caf::timespan{0});
  while (sched.prioritize(new_topic) &&
         state_of<topic_state>(new_topic).disk.writing() == 0)
    sched.run_once();
  sched.run(); // the I/O actor, then the old topic's purge
  CHECK(reply_now() == "");
  CHECK(state_of<topic_state>(new_topic).disk.depth() == 1);
  caf::anon_send_exit(broker, caf::exit_reason::user_shutdown);
  sched.run();
  CHECK(bodies_of("t") == std::vector<std::string>{"new"});
}

TEST_CASE_METHOD(pool_fixture,
                 "a channel whose I/O actor died keeps its depth and reads its backlog "
                 "again",
                 "[disk_pool]") {
  config->mem_queue_size = 3;
  auto probe = sys.spawn( // an argument: see quiet_broker
      [](caf::event_based_actor*, int) -> caf::behavior {
        return {[](drained_atom, uint64_t) {}, [](wants_atom, bool) {}};
      },
      0);
  to_stop.push_back(probe);
  auto ch = spawn_channel(sys, probe, "t", "c", config, context(false), false);
  to_stop.push_back(ch);
  sched.run();
  caf::anon_send(ch, enqueue_atom::value, make_test_batch(1, 10), caf::timespan{0});
  sched.run();
  auto& cs = state_of<channel_state>(ch);
  REQUIRE(cs.disk.depth() == 7);
  auto io = cs.disk.io_actor();
  REQUIRE(io);
  caf::anon_send_exit(io, caf::exit_reason::kill);
  sched.run();
  consumer_log log;
  auto c = consumer(ch, log);
  subscribe(c);
  caf::anon_send(c, ready_atom::value, int64_t{100});
  sched.run();
  CHECK(log.delivered.size() == 10);
  CHECK(cs.disk.depth() == 0);
}

TEST_CASE_METHOD(
    pool_fixture,
    "writes waiting for a retiring queue's close are stored in publish order "
    "at shutdown",
    "[disk_pool][shutdown]") {
  shutdown_behind_close({{"b1", "b2"}, {"c"}, {"d1", "d2"}},
                        {"b1", "b2", "c", "d1", "d2"});
}

TEST_CASE_METHOD(pool_fixture,
                 "a channel created on a topic that is shutting down stops with it",
                 "[disk_pool][shutdown]") {
  config->mem_queue_size = 0;
  auto topic = spawn_topic(sys, "t", config, context(false), storage::topic_metadata{});
  sched.run();
  publish_until_writing(topic, "a"); // the topic's exit waits for this write
  caf::anon_send_exit(topic, caf::exit_reason::user_shutdown);
  sched.prioritize(topic);
  sched.run_once();
  REQUIRE(state_of<topic_state>(topic).exiting);
  REQUIRE(is_alive(topic));
  client->send(topic, get_channel_atom::value, std::string{"c"});
  sched.prioritize(topic);
  sched.run_once(); // SUB or /channel/create reaches the exiting topic
  caf::actor ch;
  client->receive([&](caf::actor& a) { ch = a; }, [](caf::error&) {},
                  caf::after(0s) >> [] {});
  REQUIRE(ch);
  to_stop.push_back(ch);
  sched.run();
  CHECK(reply_now() == ""); // "a" stored
  CHECK_FALSE(is_alive(topic));
  CHECK_FALSE(is_alive(ch));
}

TEST_CASE_METHOD(pool_fixture,
                 "HTTP /pub waiting more than 10 s for its disk write is answered by the "
                 "write's outcome",
                 "[disk_pool][http]") {
  config->mem_queue_size = 0;
  auto ctx = context(true);
  auto io = ctx->pool->actors.at(0);
  auto topic = spawn_topic(sys, "t", config, ctx, storage::topic_metadata{});
  to_stop.push_back(topic);
  auto broker = sys.spawn(topic_broker, topic);
  to_stop.push_back(broker);
  sched.run();
  auto http = std::make_shared<http_context>();
  http->broker = broker;
  http->cfg = config;
  http_call call;
  call.target = endpoint::pub;
  call.method = "POST";
  call.query = "topic=t";
  call.body = "a";
  std::vector<http_response> answers;
  handle_http(sys, http, call, [&](http_response r) { answers.push_back(std::move(r)); });
  run_all_but(io); // the write waits in the I/O actor's mailbox
  REQUIRE(state_of<topic_state>(topic).disk.writing() == 1);
  sched.advance_time(11s);
  run_all_but(io);
  CHECK(answers.empty()); // no 503 while the write may still complete
  SECTION("stored: 200 OK") {
    sched.run();
    REQUIRE(answers.size() == 1);
    CHECK(answers[0].status == 200);
    CHECK(answers[0].body == "OK");
    CHECK(bodies_of("t") == std::vector<std::string>{"a"});
  }
  SECTION("failed: the disk error") {
    std::filesystem::remove_all(path); // the queue's files cannot be created
    sched.run();
    REQUIRE(answers.size() == 1);
    CHECK(answers[0].status == 503);
    CHECK(answers[0].body == R"({"message":"EXITING"})");
    std::filesystem::create_directory(path);
  }
}
