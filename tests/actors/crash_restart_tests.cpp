// Crash consistency across a restart: a SIGKILL or SIGTERM at any step of a
// topic's hand-off to its channel, then a restart over what the files say,
// delivers each message once (docs/disk-format.md); and a topic's shutdown
// completes however its channel ended.

#include "tests/actors/crash_fixture.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using namespace nsq;
using namespace nsq::test;
namespace fs = std::filesystem;

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
