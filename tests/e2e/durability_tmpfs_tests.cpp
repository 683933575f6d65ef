// A really full file system (a 24 MiB tmpfs filled up by another file), not
// a file-size limit: draining a spilled backlog must not destroy records when
// the meta file cannot be rewritten (ENOSPC). Needs root (mount); skipped
// with a warning otherwise.
#include "e2e/durability_support.hpp"
#include "e2e/nsqd_process.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sys/mount.h>

using namespace e2e;
using namespace e2e::durability;

namespace {

/// A tmpfs of `size` mounted over `dir` for its lifetime.
class tmpfs_mount {
public:
  tmpfs_mount(const std::string& dir, const std::string& size) : dir_(dir) {
    mounted_ = ::mount("tmpfs", dir.c_str(), "tmpfs", 0, ("size=" + size).c_str()) == 0;
    if (!mounted_)
      error_ = std::strerror(errno);
  }
  ~tmpfs_mount() {
    if (mounted_)
      ::umount2(dir_.c_str(), MNT_DETACH);
  }
  bool mounted() const { return mounted_; }
  const std::string& error() const { return error_; }

private:
  std::string dir_;
  bool mounted_ = false;
  std::string error_;
};

/// Writes zeros to `path` until the file system is full.
void fill_up(const std::string& path) {
  std::ofstream out(path, std::ios::binary);
  std::string chunk(64 * 1024, '\0');
  while (out.write(chunk.data(), static_cast<std::streamsize>(chunk.size())) &&
         out.flush()) {
  }
}

/// The body of message i: 1 KiB, named.
std::string kib_body(int i) {
  return padded_body("full-" + std::to_string(i), 1024);
}

} // namespace

TEST_CASE("durability: draining a spilled backlog on a full tmpfs destroys nothing") {
  data_dir dir;
  tmpfs_mount fs{dir.path(), "24m"};
  if (!fs.mounted()) {
    WARN("skipped: cannot mount a tmpfs (" << fs.error() << "; needs root)");
    return;
  }
  const int n = 10000;
  const std::vector<std::string> flags{"--mem-queue-size=100"};
  nsqd_process nsqd{dir, flags};
  INFO("server log:\n" << nsqd.log());
  auto hp = nsqd.http_port();
  REQUIRE(http(hp, "POST", "/topic/create?topic=full").status == 200);
  REQUIRE(http(hp, "POST", "/channel/create?topic=full&channel=ch").status == 200);
  {
    raw_client producer{nsqd.port()};
    for (int i = 0; i < n; i += 100) {
      std::vector<std::string> bodies;
      for (int k = i; k < i + 100; ++k)
        bodies.push_back(kib_body(k));
      producer.send(mpub("full", bodies));
      expect_ok(producer);
    }
  }
  REQUIRE(eventually([&] { return channel_total(hp, "full", "ch") == n; }, 10s));
  fill_up(dir.path() + "/filler");
  // Everything is delivered while the disk is full: reading writes nothing
  // that could fail it (the meta's failed rewrites are retried later).
  auto got = drain(nsqd.port(), "full", "ch", n, 5s, 300ms);
  std::filesystem::remove(dir.path() + "/filler");
  auto after = drain(nsqd.port(), "full", "ch", 0, 1s, 300ms);
  size_t missing = 0;
  for (int i = 0; i < n; ++i)
    if (got.count.count(kib_body(i)) + after.count.count(kib_body(i)) == 0)
      ++missing;
  CHECK(missing == 0);
  CHECK(got.total == static_cast<size_t>(n));
  CHECK(nsqd.stop() == 0);
}
