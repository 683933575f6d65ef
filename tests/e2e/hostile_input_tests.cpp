// Hostile clients: input that is valid at the framing level but built to
// make the server allocate (issue 10). The bound is checked on the process's
// peak RSS, not on timing.
#include "e2e/asan_quarantine.hpp"
#include "e2e/nsqd_process.hpp"
#include "e2e/raw_client.hpp"

using namespace e2e;

TEST_CASE("hostile: IDENTIFY nesting bombs answer E_BAD_BODY without building a DOM") {
  small_asan_quarantine quarantine; // freed bodies must not count as resident
  nsqd_process nsqd;
  {
    raw_client warm{nsqd.port()};
    warm.send(pub("warm", "up"));
    expect_ok(warm);
  }
  auto baseline = nsqd.status_kb("VmHWM");
  REQUIRE(baseline);
  const std::string bomb(4 << 20, '['); // 4 MiB, under --max-body-size
  for (int i = 0; i < 3; ++i) {
    raw_client c{nsqd.port()};
    c.send(identify(bomb));
    expect_fatal(c, "E_BAD_BODY IDENTIFY failed to decode JSON body");
  }
  auto peak = nsqd.status_kb("VmHWM");
  REQUIRE(peak);
  INFO("VmHWM before " << *baseline << " kB, after three 4 MiB bombs " << *peak << " kB");
  // The body itself is buffered once (4 MiB); a DOM of it cost ~200 MiB each.
#ifdef __SANITIZE_ADDRESS__
  // ASan keeps freed bodies in its quarantine and pads every allocation.
  CHECK(*peak - *baseline < 48 * 1024);
#else
  CHECK(*peak - *baseline < 16 * 1024);
#endif
  raw_client alive{nsqd.port()};
  alive.send(pub("alive", "yes"));
  expect_ok(alive);
}
