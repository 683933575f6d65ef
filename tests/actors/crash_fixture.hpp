#pragma once

// The fixture of the crash-consistency tests: topics and channels over a
// data path with --mem-queue-size=0 --sync-every=1, disk workers on the test
// scheduler, and what a SIGKILL at the current step would leave on disk.

#include "actors/channel.hpp"
#include "actors/channel_state.hpp"
#include "actors/topic.hpp"
#include "actors/topic_state.hpp"
#include "storage/disk_queue.hpp"
#include "storage/queue_record.hpp"
#include "tests/actors/delivery_helpers.hpp"
#include "tests/actors/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>

namespace nsq::test {

using namespace std::chrono_literals;

using crash_dir = temp_dir;

/// Copies the files of `from` to `to`: what a SIGKILL now would leave.
inline void copy_queues(const std::string& from, const std::string& to) {
  for (auto& e : std::filesystem::directory_iterator(from))
    if (e.is_regular_file())
      std::filesystem::copy_file(e.path(), to + "/" + e.path().filename().string());
}

// An argument: CAF 0.17.6 binds a null reference for argument-less function
// actors (UBSan).
inline caf::behavior ignore_reports(caf::event_based_actor*, int) {
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
    for (auto& e : std::filesystem::directory_iterator(dir)) {
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

inline std::vector<std::string> bodies(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i)
    out.push_back("m" + std::to_string(i));
  return out;
}

} // namespace nsq::test
