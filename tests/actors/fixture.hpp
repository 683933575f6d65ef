#pragma once

// Deterministic actor tests: CAF's test coordinator, no sockets, no sleeping.
// Time moves only when a test advances the test clock.

#include "actors/connection.hpp"
#include "actors/messages.hpp"
#include "protocol/settings.hpp"

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include <memory>
#include <string>
#include <vector>

namespace nsq::test {

struct actor_fixture {
  static caf::actor_system_config& init(caf::actor_system_config& cfg) {
    cfg.set("scheduler.policy", caf::atom("testing"));
    cfg.set("logger.file-verbosity", caf::atom("quiet"));
    cfg.set("logger.console-verbosity", caf::atom("quiet"));
    add_message_types(cfg);
    return cfg;
  }

  caf::actor_system_config cfg; // constructed before sys
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  std::shared_ptr<settings> config = std::make_shared<settings>();

  actor_fixture()
      : sys(init(cfg)),
        sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())) {
    sched.clock().current_time += std::chrono::hours(1); // avoid t == 0
  }

  ~actor_fixture() {
    // Pending delayed messages hold strong references: drop them, or a failed
    // REQUIRE would leave ~actor_system waiting forever.
    sched.clock().cancel_all();
    sched.run();
  }

  /// Runs every runnable actor, moves the clock by `d`, runs again.
  void advance(caf::timespan d) {
    sched.run();
    sched.advance_time(d);
    sched.run();
  }

  static bool is_alive(const caf::actor& a) {
    return !caf::actor_cast<caf::abstract_actor*>(a)->getf(
        caf::abstract_actor::is_terminated_flag);
  }
};

/// A connection that records what a session writes. Used from the test
/// scheduler's single thread only.
struct recording_connection : connection {
  std::string written;
  bool closed = false;
  bool aborted = false;
  int batches_done = 0;
  std::chrono::milliseconds write_timeout{0};
  std::vector<size_t> write_sizes;        ///< each write's length, in order
  std::vector<const char*> write_buffers; ///< and where its bytes were

  void write(std::string bytes) override {
    write_sizes.push_back(bytes.size());
    write_buffers.push_back(bytes.data());
    written += bytes;
  }
  void close() override { closed = true; }
  void abort() override { aborted = true; }
  void commands_done() override { ++batches_done; }
  void set_write_timeout(std::chrono::milliseconds t) override { write_timeout = t; }
  void upgrade(upgrade_plan plan) override { upgrades.push_back(plan); }

  std::vector<upgrade_plan> upgrades;
};

/// A broker stand-in for disk I/O actors: hears their health reports, no more.
/// (An argument: CAF 0.17.6 binds a null reference for argument-less
/// function actors, which UBSan reports.)
inline caf::behavior ignore_health(caf::event_based_actor*, int) {
  return {[](health_atom, const std::string&) {}};
}

} // namespace nsq::test
