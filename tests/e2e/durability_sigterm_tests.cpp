// SIGTERM under load with a memory queue (docs/reliability.md): nsqd writes
// every memory queue (topic and channel memory, in-flight and deferred) to
// disk on SIGTERM, so after a restart every message acknowledged to a
// producer is delivered, on every channel. The broker must also exit
// promptly while producers keep publishing.
#include "e2e/durability_support.hpp"
#include "e2e/nsqd_process.hpp"

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

using namespace e2e;
using namespace e2e::durability;

namespace {

constexpr int producers = 4;
constexpr int messages_per_mpub = 20;

/// What the producers were told.
struct answers {
  std::mutex mu;
  std::set<std::string> acked;  ///< bodies of batches answered OK
  std::set<std::string> failed; ///< bodies of batches answered with an error
};

/// One producer: MPUBs batches of unique bodies until the server closes or
/// fails a publish; records the bodies by answer. No Catch2 assertions here
/// (it runs on its own thread).
void produce(raw_client c, int who, answers& out, std::atomic<bool>& stop) {
  for (int b = 0; !stop; ++b) {
    std::vector<std::string> bodies;
    for (int i = 0; i < messages_per_mpub; ++i)
      bodies.push_back("p" + std::to_string(who) + "-" +
                       std::to_string(b * messages_per_mpub + i));
    if (!c.try_send(mpub("t", bodies)))
      return;
    frame f;
    do {
      if (c.try_read(f, 10s) != read_status::frame)
        return;
    } while (f.raw == heartbeat_frame && c.try_send("NOP\n"));
    std::lock_guard<std::mutex> lock{out.mu};
    if (f.raw != ok_frame) { // E_MPUB_FAILED ... exiting: not stored
      out.failed.insert(bodies.begin(), bodies.end());
      return;
    }
    out.acked.insert(bodies.begin(), bodies.end());
  }
}

/// A consumer mid-stream on channel "busy": RDY 50, FINs what it gets; the
/// bodies it FINed are delivered (a FIN the server did not process before it
/// exited brings the message back, which is allowed).
void consume(raw_client c, std::set<std::string>& finned, std::atomic<bool>& stop) {
  frame f;
  while (!stop && c.try_read(f, 10s) == read_status::frame) {
    if (f.raw == heartbeat_frame) {
      c.try_send("NOP\n");
      continue;
    }
    if (f.type != 2 || f.data.size() < 26)
      continue;
    finned.insert(f.data.substr(26));
    if (!c.try_send("FIN " + f.data.substr(10, 16) + "\n"))
      return;
  }
}

/// Returns the acknowledged bodies that neither `before` nor `after` holds.
std::vector<std::string> lost_of(const std::set<std::string>& acked,
                                 const std::set<std::string>& before,
                                 const drained& after) {
  std::vector<std::string> out;
  for (auto& b : acked)
    if (before.count(b) == 0 && after.count.count(b) == 0)
      out.push_back(b);
  return out;
}

/// Returns the bodies of `failed` that `after` delivered.
std::vector<std::string> stored_anyway(const std::set<std::string>& failed,
                                       const drained& after) {
  std::vector<std::string> out;
  for (auto& b : failed)
    if (after.count.count(b) > 0)
      out.push_back(b);
  return out;
}

} // namespace

TEST_CASE("durability: SIGTERM while 4 producers MPUB through a memory queue of 100 "
          "exits promptly, loses no acknowledged message and stores no failed one") {
  const std::vector<std::string> flags{"--mem-queue-size=100"};
  for (int run = 0; run < 5; ++run) {
    INFO("run " << run);
    data_dir dir;
    answers told;
    std::set<std::string> finned;
    {
      nsqd_process nsqd{dir, flags};
      auto hp = nsqd.http_port();
      REQUIRE(http(hp, "POST", "/topic/create?topic=t").status == 200);
      REQUIRE(http(hp, "POST", "/channel/create?topic=t&channel=busy").status == 200);
      REQUIRE(http(hp, "POST", "/channel/create?topic=t&channel=idle").status == 200);
      std::atomic<bool> stop{false};
      std::vector<std::thread> threads;
      threads.emplace_back(consume, subscriber(nsqd.port(), "t", "busy", 50),
                           std::ref(finned), std::ref(stop));
      for (int p = 0; p < producers; ++p)
        threads.emplace_back(produce, raw_client{nsqd.port()}, p, std::ref(told),
                             std::ref(stop));
      // Let the memory queues fill and the channels spill, then stop it mid-stream.
      CHECK(eventually(
          [&] {
            std::lock_guard<std::mutex> lock{told.mu};
            return told.acked.size() >= 3000;
          },
          20s));
      auto t0 = std::chrono::steady_clock::now();
      int code = nsqd.stop(5s); // fails the test if it takes longer
      auto took =
          std::chrono::duration_cast<milliseconds>(std::chrono::steady_clock::now() - t0);
      stop = true;
      for (auto& t : threads)
        t.join();
      INFO("exit took " << took.count() << " ms; log:\n" << nsqd.log());
      CHECK(code == 0);
    }
    auto& acked = told.acked;
    REQUIRE_FALSE(acked.empty());
    nsqd_process again{dir, flags};
    INFO("restart log:\n" << again.log());
    size_t unfinned = 0;
    for (auto& b : acked)
      unfinned += finned.count(b) == 0 ? 1 : 0;
    auto busy = drain(again.port(), "t", "busy", unfinned, 5s);
    auto idle = drain(again.port(), "t", "idle", acked.size(), 5s);
    INFO(acked.size() << " acknowledged, " << told.failed.size() << " failed, "
                      << finned.size() << " FINed before");
    auto lost_busy = lost_of(acked, finned, busy);
    auto lost_idle = lost_of(acked, {}, idle);
    INFO("lost on busy: " << lost_busy.size() << " (first "
                          << (lost_busy.empty() ? "-" : lost_busy.front())
                          << "), on idle: " << lost_idle.size());
    CHECK(lost_busy.empty());
    CHECK(lost_idle.empty());
    // An error answer means "not stored": a retry must not make a duplicate.
    CHECK(stored_anyway(told.failed, idle).empty());
    CHECK(again.stop(10s) == 0);
  }
}
