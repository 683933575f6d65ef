// A disk that fills up: the server runs under a low RLIMIT_FSIZE (set by
// prlimit(1) before it execs the server), so its disk-queue writes fail with
// EFBIG once a queue file reaches the limit; then the limit is lifted at
// runtime with prlimit(2), as if space returned.
#include "e2e/durability_support.hpp"
#include "e2e/nsqd_process.hpp"

#include <sys/resource.h>

using namespace e2e;
using namespace e2e::durability;

namespace {

constexpr size_t body_size = 1024;
constexpr rlim_t file_limit = 256 * 1024;

/// PUBs `body`; returns the frame answered (a fresh connection each time, as
/// E_PUB_FAILED closes the connection).
frame pub_once(uint16_t port, const std::string& topic, const std::string& body) {
  raw_client c{port};
  c.send(pub(topic, body));
  return c.read_non_heartbeat();
}

/// Publishes on one connection until the server refuses; returns the bodies
/// it accepted. The refusal must be E_PUB_FAILED and fatal.
std::vector<std::string> publish_until_full(nsqd_process& nsqd, const std::string& topic,
                                            int max) {
  std::vector<std::string> accepted;
  raw_client c{nsqd.port()};
  for (int i = 0; i < max; ++i) {
    auto body = padded_body("before-" + std::to_string(i), body_size);
    c.send(pub(topic, body));
    frame f;
    if (c.try_read(f, 5s) != read_status::frame) {
      // A server that does not ignore SIGXFSZ is killed by the kernel here.
      int code = nsqd.stop(); // 153 = 128 + SIGXFSZ; 0 if it was alive
      FAIL("no answer to PUB #" << i << "; the server's exit code: " << code
                                << " (153 = killed by SIGXFSZ)");
    }
    if (f.raw == ok_frame) {
      accepted.push_back(body);
      continue;
    }
    INFO("answer to PUB #" << i << ": " << printable(f.raw));
    CHECK(f.type == 1);
    CHECK(f.data.rfind("E_PUB_FAILED PUB failed ", 0) == 0);
    CHECK(c.closed_within(3s));
    return accepted;
  }
  FAIL("no PUB failed after " << max << " x " << body_size << " bytes with RLIMIT_FSIZE "
                              << file_limit);
  return accepted;
}

} // namespace

TEST_CASE("durability: a full disk fails PUB and /ping, damages nothing, and recovers") {
  data_dir dir;
  const std::vector<std::string> flags{"--mem-queue-size=10"};
  std::vector<std::string> accepted;
  std::vector<std::string> after;
  {
    nsqd_process nsqd{dir,
                      flags,
                      {"/usr/bin/prlimit",
                       "--fsize=" + std::to_string(file_limit) + ":unlimited", "--"}};
    INFO("server log:\n" << nsqd.log());
    auto hp = nsqd.http_port();
    CHECK(http(hp, "GET", "/ping").body == "OK");

    // 4x the limit: some writes must fail.
    accepted = publish_until_full(nsqd, "full", 4 * file_limit / body_size);
    CHECK(accepted.size() >= 10);
    REQUIRE(nsqd.running());
    auto ping = http(hp, "GET", "/ping");
    CHECK(ping.status == 500);
    CHECK(ping.body.rfind("NOK - ", 0) == 0);
    CHECK(stats(hp)["health"].get<std::string>().rfind("NOK - ", 0) == 0);
    // Still full: the next PUB fails too.
    auto again = pub_once(nsqd.port(), "full", padded_body("refused", body_size));
    INFO("PUB while still full: " << printable(again.raw));
    CHECK(again.data.rfind("E_PUB_FAILED PUB failed ", 0) == 0);

    // Space returns.
    rlimit unlimited{RLIM_INFINITY, RLIM_INFINITY};
    REQUIRE(::prlimit(nsqd.pid(), RLIMIT_FSIZE, &unlimited, nullptr) == 0);
    {
      raw_client c{nsqd.port()};
      // More than the old limit again, so new writes go well past it.
      for (size_t i = 0; i < 2 * file_limit / body_size; ++i) {
        after.push_back(padded_body("after-" + std::to_string(i), body_size));
        c.send(pub("full", after.back()));
        frame f = c.read_non_heartbeat();
        INFO("PUB after space returned, #" << i);
        REQUIRE(printable(f.raw) == printable(ok_frame));
      }
    }
    auto pong = http(hp, "GET", "/ping");
    CHECK(pong.status == 200);
    CHECK(pong.body == "OK");
    CHECK(nsqd.stop() == 0);
  }

  // Everything accepted before and after is intact, after a restart too.
  nsqd_process again{dir, flags};
  INFO("server log after restart:\n" << again.log());
  auto got = drain(again.port(), "full", "ch", accepted.size() + after.size());
  size_t missing = 0;
  for (auto* list : {&accepted, &after})
    for (auto& body : *list)
      if (got.count[body] != 1)
        ++missing;
  INFO("accepted before: " << accepted.size() << ", after: " << after.size()
                           << ", delivered: " << got.total);
  CHECK(missing == 0);
  CHECK(got.total == accepted.size() + after.size());
  CHECK(got.count.count(padded_body("refused", body_size)) == 0);
  CHECK(again.stop() == 0);
}
