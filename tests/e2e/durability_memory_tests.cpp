// Memory stays bounded while 1 GiB passes through a topic whose channel has no
// consumer: beyond --mem-queue-size everything must go to disk.
//
// The bound: peak RSS (VmHWM) below 256 MiB. What may legitimately be resident
// is the memory queues (topic and channel: 2 x 4 messages x 512 KiB = 4 MiB),
// the MPUB being parsed (4 MiB body, a few copies at most), socket and file
// buffers and the process's baseline (CAF, Asio, allocator arenas; ~20-40 MiB
// in a Debug build). That is under 100 MiB; 256 MiB leaves a wide margin and is
// still a quarter of what a queue that keeps the messages in memory would hold.
// Under AddressSanitizer the server gets a small quarantine (its 256 MiB default
// would count freed blocks as resident).
#include "e2e/asan_quarantine.hpp"
#include "e2e/durability_support.hpp"
#include "e2e/nsqd_process.hpp"

#include <cstdlib>

using namespace e2e;
using namespace e2e::durability;

namespace {

constexpr size_t big_body_size = 512 * 1024;
constexpr size_t per_mpub = 8; // 4 MiB: below the default --max-body-size of 5 MiB
constexpr size_t total_bytes = size_t{1} << 30;
constexpr long bound_kb = 256 * 1024;

} // namespace

TEST_CASE("durability: RSS stays bounded while 1 GiB passes a topic with no consumer") {
  small_asan_quarantine asan;
  nsqd_process nsqd{{"--mem-queue-size=4"}};
  INFO("server log:\n" << nsqd.log());
  auto hp = nsqd.http_port();
  REQUIRE(http(hp, "POST", "/topic/create?topic=big").status == 200);
  REQUIRE(http(hp, "POST", "/channel/create?topic=big&channel=idle").status == 200);
  auto baseline = nsqd.status_kb("VmRSS");
  REQUIRE(baseline.has_value());

  std::vector<std::string> batch;
  for (size_t i = 0; i < per_mpub; ++i)
    batch.push_back(padded_body("big-" + std::to_string(i), big_body_size));
  const size_t batches = total_bytes / (big_body_size * per_mpub);
  long max_rss = *baseline;
  {
    raw_client producer{nsqd.port()};
    for (size_t b = 0; b < batches; ++b) {
      producer.send(mpub("big", batch));
      frame f = producer.read_non_heartbeat(30s);
      INFO("MPUB #" << b << " of " << batches << ", peak RSS so far " << max_rss
                    << " kB");
      REQUIRE(printable(f.raw) == printable(ok_frame));
      if (auto rss = nsqd.status_kb("VmRSS"))
        max_rss = std::max(max_rss, *rss);
    }
  }
  auto hwm = nsqd.status_kb("VmHWM");
  REQUIRE(hwm.has_value());
  INFO("baseline RSS " << *baseline << " kB, sampled peak " << max_rss << " kB, VmHWM "
                       << *hwm << " kB, bound " << bound_kb << " kB");
  CHECK(*hwm < bound_kb);
  // Nothing was dropped: every message waits, in the topic or in the channel,
  // nearly all of it on disk once the channel's own disk writes (asynchronous:
  // counted as memory depth until confirmed) have landed.
  const int64_t messages = static_cast<int64_t>(batches * per_mpub);
  int64_t queued = 0;
  int64_t on_disk = 0;
  json last;
  CHECK(eventually(
      [&] {
        last = stats(hp);
        auto t = topic_stats(last, "big");
        auto c = channel_stats(last, "big", "idle");
        if (t.is_null() || c.is_null())
          return false;
        queued = t["depth"].get<int64_t>() + c["depth"].get<int64_t>() +
                 c["in_flight_count"].get<int64_t>() + c["deferred_count"].get<int64_t>();
        on_disk = t["backend_depth"].get<int64_t>() + c["backend_depth"].get<int64_t>();
        return queued == messages && on_disk >= messages - 8;
      },
      30s));
  INFO("stats: " << last.dump());
  CHECK(queued == messages);
  CHECK(on_disk >= messages - 8);
  CHECK(nsqd.stop(30s) == 0);
}
