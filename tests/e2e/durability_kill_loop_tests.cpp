// Ten SIGKILLs at random moments while a producer PUBs and a consumer FINs
// (--mem-queue-size=0 --sync-every=1): nothing acknowledged is lost, and a
// FINed message comes back only if it was in flight at a kill (its FIN not
// yet committed). The topic's hand-off to its channel is exactly-once across
// each crash (docs/disk-format.md, "Hand-off marks").
#include "e2e/durability_support.hpp"
#include "e2e/nsqd_process.hpp"

#include <map>
#include <random>
#include <set>

using namespace e2e;
using namespace e2e::durability;

namespace {

using clock_type = std::chrono::steady_clock;

/// Every message the consumer FINed: when, and in which run of the server.
struct fin_record {
  int run = 0;
  clock_type::time_point at;
};

struct kill_loop {
  std::set<std::string> acked;
  std::map<std::string, fin_record> finned;
  std::vector<clock_type::time_point> killed_at; ///< per run
  std::vector<std::string> came_back;            ///< FINed before, delivered again
  int run = 0;

  /// A delivery: FINed at once; wrong if FINed in this run already, or in an
  /// earlier run long enough before its kill for the FIN to be committed.
  void delivered(raw_client& c, const message& m) {
    if (auto it = finned.find(m.body); it != finned.end()) {
      auto& f = it->second;
      bool committed = f.run == run || f.at + 1s < killed_at.at(f.run);
      if (committed)
        came_back.push_back(m.body + " (FINed in run " + std::to_string(f.run) +
                            ", again in run " + std::to_string(run) + ")");
    }
    finned[m.body] = fin_record{run, clock_type::now()};
    c.try_send("FIN " + m.id + "\n");
  }

  /// Reads what the consumer has for up to `wait`; false once it is closed.
  bool consume(raw_client& c, milliseconds wait) {
    frame f;
    for (;;) {
      auto status = c.try_read(f, wait);
      if (status == read_status::closed)
        return false;
      if (status == read_status::timeout)
        return true;
      wait = 0ms;
      if (f.raw == heartbeat_frame) {
        c.try_send("NOP\n");
        continue;
      }
      if (f.type == 2)
        delivered(c, parse_message(f));
    }
  }
};

} // namespace

TEST_CASE("durability: ten SIGKILLs while publishing and finishing bring back no "
          "FINed message that was not in flight (--mem-queue-size=0 --sync-every=1)") {
  const std::vector<std::string> flags{"--mem-queue-size=0", "--sync-every=1",
                                       "--msg-timeout=3s"};
  std::mt19937 rng{std::random_device{}()};
  std::uniform_int_distribution<int> run_ms{600, 1800};
  data_dir dir;
  kill_loop loop;
  int next = 0;
  for (; loop.run < 10; ++loop.run) {
    nsqd_process server{dir, flags};
    if (loop.run == 0) {
      REQUIRE(http(server.http_port(), "POST", "/topic/create?topic=loop").status == 200);
      REQUIRE(http(server.http_port(), "POST", "/channel/create?topic=loop&channel=ch")
                  .status == 200);
    }
    raw_client producer{server.port()};
    auto consumer = subscriber(server.port(), "loop", "ch", 50);
    auto until = clock_type::now() + milliseconds{run_ms(rng)};
    while (clock_type::now() < until) {
      std::string bytes;
      std::vector<std::string> sent;
      for (int k = 0; k < 10; ++k) {
        sent.push_back("p" + std::to_string(next++));
        bytes += pub("loop", sent.back());
      }
      REQUIRE(producer.try_send(bytes));
      for (auto& body : sent) {
        frame f;
        REQUIRE(producer.try_read(f, 5s) == read_status::frame);
        REQUIRE(printable(f.raw) == printable(ok_frame));
        loop.acked.insert(body);
      }
      loop.consume(consumer, 0ms);
    }
    loop.killed_at.push_back(clock_type::now());
    server.kill(); // in the middle of the flow: PUBs, hand-offs and FINs
  }
  // The last restart: every acknowledged message arrives; twins deferred to
  // a copy's deadline (3 s) would arrive within the quiet time.
  nsqd_process server{dir, flags};
  INFO("server log after the last restart:\n" << server.log());
  auto consumer = subscriber(server.port(), "loop", "ch", 50);
  auto quiet_until = clock_type::now() + 5s;
  auto deadline = clock_type::now() + 60s;
  while (clock_type::now() < deadline) {
    size_t before = loop.finned.size();
    REQUIRE(loop.consume(consumer, 500ms));
    bool all = true;
    for (auto& b : loop.acked)
      if (loop.finned.count(b) == 0) {
        all = false;
        break;
      }
    if (!all || loop.finned.size() != before)
      quiet_until = std::max(quiet_until, clock_type::now() + 5s);
    if (all && clock_type::now() >= quiet_until)
      break;
  }
  std::vector<std::string> lost;
  for (auto& b : loop.acked)
    if (loop.finned.count(b) == 0)
      lost.push_back(b);
  INFO(loop.acked.size() << " acknowledged, " << lost.size() << " lost"
                         << (lost.empty() ? "" : ", first " + lost[0]));
  CHECK(lost.empty());
  INFO(loop.came_back.size() << " FINed messages came back"
                             << (loop.came_back.empty()
                                     ? ""
                                     : ", first " + loop.came_back[0]));
  CHECK(loop.came_back.empty());
  CHECK(server.stop() == 0);
}
