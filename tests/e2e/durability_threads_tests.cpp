// Disk I/O runs on a bounded pool: many backlogged queues, written and then
// reopened by a restart, never make the server start a thread per queue.
#include "e2e/durability_support.hpp"
#include "e2e/http_client.hpp"
#include "e2e/nsqd_process.hpp"

#include <algorithm>
#include <string>
#include <thread>
#include <vector>

using namespace e2e;
using namespace e2e::durability;

namespace {

constexpr int topics = 50;
constexpr int channels_per_topic = 100;
constexpr long thread_bound = 32;

long threads_of(const nsqd_process& p) {
  return p.status_kb("Threads").value_or(0);
}

} // namespace

TEST_CASE("durability: 5,000 backlogged channels keep the thread count bounded "
          "while written and after a restart") {
  data_dir dir;
  // A short sync timeout: the queues are synced before the SIGTERM, which
  // then closes 5,050 queues without an fsync each.
  // Two workers, as before the default followed the cores: the bound counts them.
  const std::vector<std::string> flags{"--mem-queue-size=0", "--sync-timeout=200ms",
                                       "--scheduler-threads=2"};
  long peak = 0;
  {
    nsqd_process first{dir, flags};
    INFO("server log:\n" << first.log());
    http_client h{first.http_port()};
    for (int t = 0; t < topics; ++t) {
      auto topic = "pool" + std::to_string(t);
      REQUIRE(h.request("POST", "/topic/create?topic=" + topic, "").status == 200);
      for (int c = 0; c < channels_per_topic; ++c)
        REQUIRE(
            h.request("POST",
                      "/channel/create?topic=" + topic + "&channel=c" + std::to_string(c),
                      "")
                .status == 200);
      REQUIRE(h.request("POST", "/mpub?topic=" + topic, "a\nb\nc").status == 200);
      peak = std::max(peak, threads_of(first));
    }
    // Every channel has its backlog on disk (nothing is in memory).
    CHECK(eventually(
        [&] { return channel_total(first.http_port(), "pool49", "c99") == 3; }, 30s));
    peak = std::max(peak, threads_of(first));
    CHECK(peak <= thread_bound);
    std::this_thread::sleep_for(1s);
    CHECK(first.stop(30s) == 0);
  }
  nsqd_process second{dir, flags};
  INFO("server log after restart:\n" << second.log());
  // Every queue had files: all 5,050 are opened at startup (over 30 s under
  // ASan at -O1 with both cores busy).
  CHECK(eventually(
      [&] { return channel_total(second.http_port(), "pool49", "c99") == 3; }, 60s));
  long after = 0;
  for (int i = 0; i < 10; ++i) {
    after = std::max(after, threads_of(second));
    std::this_thread::sleep_for(100ms);
  }
  CHECK(after <= thread_bound);
  // The read waits in its disk I/O actor's mailbox behind the startup's opens
  // of the ~630 other queues that actor serves: 0.2 s on an idle machine,
  // 7-10 s with both cores busy (this test bounds threads, not latency).
  auto got = drain(second.port(), "pool0", "c0", 3, 30s, 200ms);
  CHECK(got.total == 3);
  UNSCOPED_INFO("peak threads while writing " << peak << ", after restart " << after);
  CHECK(second.stop(30s) == 0);
}
