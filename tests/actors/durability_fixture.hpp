#pragma once

// The fixture of the durability tests (durability_tests.cpp for channels,
// topic_durability_tests.cpp for topics): topics and channels with their
// disk queues on the test scheduler, disk workers not detached.

#include "actors/channel.hpp"
#include "actors/channel_state.hpp"
#include "actors/disk_records.hpp"
#include "actors/publish_credit.hpp"
#include "actors/topic.hpp"
#include "actors/topic_state.hpp"
#include "storage/disk_queue.hpp"
#include "storage/queue_record.hpp"
#include "tests/actors/delivery_helpers.hpp"
#include "tests/actors/queue_contents.hpp"
#include "tests/actors/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <set>

namespace nsq::test {

/// Stands in for the broker: records each health report of the disk workers.
inline caf::behavior health_probe(caf::event_based_actor*,
                                  std::vector<std::string>* reports) {
  return {
      [=](health_atom, const std::string& error) { reports->push_back(error); },
      [=](drained_atom, uint64_t) {},
      [](wants_atom, bool) {},
  };
}

struct durability_fixture : temp_dir, delivery_fixture {
  uint64_t drained = 0;
  std::vector<std::string> health;
  caf::actor probe;
  caf::actor broker;
  caf::actor ch;

  durability_fixture() {
    probe = sys.spawn(drained_probe, &drained);
    broker = sys.spawn(health_probe, &health);
    to_stop.push_back(probe);
    to_stop.push_back(broker);
  }

  disk_context_ptr context(std::set<std::string> on_disk = {}, std::string dir = {}) {
    auto ctx = std::make_shared<disk_context>();
    ctx->data_path = dir.empty() ? path : dir;
    ctx->detached = false; // deterministic: the worker runs on the test scheduler
    ctx->broker = broker;
    ctx->queues_on_disk = std::move(on_disk);
    return ctx;
  }

  caf::actor make_channel(disk_context_ptr ctx) {
    ch = spawn_channel(sys, probe, "t", "c", config, std::move(ctx), false);
    sched.run();
    return ch;
  }

  channel_state& state() { return state_of<channel_state>(ch); }

  void enqueue(uint64_t first, size_t count, caf::timespan defer = caf::timespan{0}) {
    caf::anon_send(ch, enqueue_atom::value, make_test_batch(first, count), defer);
    sched.run();
  }

  /// Reads every record of queue `name` straight from the files.
  std::vector<storage::queue_record> records_of(const std::string& name) {
    return queue_records(path, name);
  }

  /// Writes `records` as queue `name`'s files (a previous run's leftovers).
  void write_records(const std::string& name,
                     const std::vector<storage::queue_record>& records) {
    storage::disk_queue_options o;
    o.directory = path;
    o.name = name;
    std::unique_ptr<storage::disk_queue> q;
    REQUIRE(storage::disk_queue::open(o, q).is_ok());
    for (auto& r : records) {
      std::string payload;
      storage::append_queue_record(payload, r);
      REQUIRE(q->put(payload).is_ok());
    }
    REQUIRE(q->close().is_ok());
  }
};

} // namespace nsq::test
