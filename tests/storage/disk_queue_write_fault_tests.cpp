// Writes that fail on a full disk (docs/reliability.md, "FINed messages
// delivered again during a disk-full episode", candidate a): whatever
// put_batch reports stored is readable, now and after a reopen, and nothing
// it reports not stored is, wherever in the batch the write failed.

#include "storage/disk_queue.hpp"
#include "storage/record_writer.hpp"
#include "tests/storage/queue_helpers.hpp"
#include "tests/storage/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <memory>

using namespace nsq::storage;
using namespace nsq::storage::test;

namespace {

constexpr size_t payload_size = 100;

/// Where the batch's write fails.
enum class failure {
  first_write,     ///< its first write, after half of it reached the file
  roll,            ///< the new segment's meta write (the roll) at the boundary
  second_write,    ///< the write into the new segment, after half of it
  second_no_bytes, ///< the write into the new segment, before any byte
};

std::string name_of(failure f) {
  switch (f) {
  case failure::first_write:
    return "first write";
  case failure::roll:
    return "roll";
  case failure::second_write:
    return "second write";
  case failure::second_no_bytes:
    return "second write, nothing written";
  }
  return "?";
}

/// Options whose faults fail the batch's write at `where` while `*armed`.
disk_queue_options failing_at(const std::string& dir, failure where,
                              std::shared_ptr<bool> armed) {
  auto o = queue_options(dir); // 1 KiB segments, no sync inside the batch
  auto writes = std::make_shared<int>(0);
  o.write_fault = [=](uint64_t& bytes) {
    if (!*armed)
      return status::ok();
    int n = ++*writes;
    bool fail = (where == failure::first_write && n == 1) ||
                (where == failure::second_write && n == 2) ||
                (where == failure::second_no_bytes && n == 2);
    if (!fail)
      return status::ok();
    bytes = where == failure::second_no_bytes ? 0 : bytes / 2;
    return status::no_space("injected: segment write");
  };
  o.sync_fault = [=] {
    return *armed && where == failure::roll ? status::no_space("injected: meta write")
                                            : status::ok();
  };
  return o;
}

} // namespace

TEST_CASE("a batch write reported failed leaves none of its unstored records "
          "readable, wherever it failed, and every stored one",
          "[disk_queue][fault][disk_full]") {
  auto where = GENERATE(failure::first_write, failure::roll, failure::second_write,
                        failure::second_no_bytes);
  INFO("failing: " << name_of(where));
  temp_dir dir;
  auto armed = std::make_shared<bool>(false);
  auto o = failing_at(dir.path(), where, armed);
  auto q = open_queue(o);
  put_many(*q, 0, 3, payload_size); // 3 of the 8 records a segment holds
  std::vector<std::string> batch;
  for (int i = 3; i < 13; ++i)
    batch.push_back(msg(i, payload_size));
  REQUIRE(3 * record_size(payload_size) + batch.size() * record_size(payload_size) >
          o.max_bytes_per_file); // the batch crosses a segment boundary
  *armed = true;
  size_t stored = 99;
  CHECK_FALSE(q->put_batch(batch, stored).is_ok());
  *armed = false;
  if (where == failure::first_write)
    CHECK(stored == 0);
  else
    CHECK((stored > 0 && stored < batch.size())); // the first segment's part
  INFO("stored " << stored);
  // Space returned: the next write goes behind what was stored.
  REQUIRE(q->put(msg(50, payload_size)).is_ok());
  auto expected = range(0, 3 + static_cast<int>(stored));
  expected.push_back(50);
  CHECK(q->depth() == expected.size());
  SECTION("read at once") {
    CHECK(indices(drain(*q)) == expected);
  }
  SECTION("read after a reopen") {
    REQUIRE(q->close().is_ok());
    q = open_queue(o);
    CHECK(indices(drain(*q)) == expected);
  }
}
