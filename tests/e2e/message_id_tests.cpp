// Message IDs unique across restarts (docs/architecture.md, "Where we differ
// from nsqd"): a clock behind the last run's ID lease does not make IDs
// start over from the clock.
#include "e2e/nsqd_process.hpp"
#include "e2e/raw_client.hpp"

#include <chrono>
#include <fstream>

using namespace e2e;

namespace {

int64_t now_tick() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
             .count() >>
         20;
}

/// The tick (unix_ns >> 20) a message ID encodes (reference §12.1).
int64_t tick_of(const std::string& hex_id) {
  return static_cast<int64_t>(std::stoull(hex_id, nullptr, 16) >> 22) + 1288834974288;
}

/// Publishes one message to `topic` and returns the ID it is delivered with.
std::string published_id(uint16_t port, const std::string& topic) {
  raw_client c{port};
  c.send("SUB " + topic + " ch\n");
  expect_ok(c);
  c.send(pub(topic, "m"));
  expect_ok(c);
  c.send("RDY 1\n");
  return c.read_message().id;
}

} // namespace

TEST_CASE("message IDs: the data path keeps an ID lease ahead of the clock") {
  data_dir dir;
  nsqd_process nsqd{dir, {}};
  std::ifstream in(dir.path() + "/caf-nsqd.idlease");
  int64_t lease = -1;
  REQUIRE(in >> lease);
  auto id = published_id(nsqd.port(), "ids");
  CHECK(tick_of(id) < lease);
  CHECK(lease > now_tick());
}

TEST_CASE("message IDs: a clock behind the last run's lease continues above it") {
  // As if the last run leased an hour ahead of today's clock (the clock was
  // stepped back an hour across the restart): IDs must not start over from
  // the clock, where they could repeat IDs of messages still on disk.
  data_dir dir;
  int64_t lease = now_tick() + (int64_t{3600} * 1000 * 1000000 >> 20);
  {
    std::ofstream out(dir.path() + "/caf-nsqd.idlease");
    out << lease << "\n";
  }
  nsqd_process nsqd{dir, {}};
  auto id = published_id(nsqd.port(), "ids");
  CHECK(tick_of(id) > lease);
  CHECK(nsqd.log().find("behind the ID lease") != std::string::npos);
}
