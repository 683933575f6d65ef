// The disk queue's normal life: FIFO, rolling, syncing, reopening, emptying.
#include "storage/atomic_file.hpp"
#include "storage/fault_helpers.hpp"
#include "storage/queue_helpers.hpp"
#include "storage/record_format.hpp"
#include "storage/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <filesystem>
#include <iostream>

using namespace nsq::storage;
using namespace nsq::storage::test;
using namespace std::chrono_literals;

namespace {

queue_meta meta_on_disk(const std::string& dir) {
  queue_meta m;
  REQUIRE(decode_queue_meta(read_file(meta_path(dir, "t:c")), m).is_ok());
  return m;
}

} // namespace

TEST_CASE("QueueIsFifoAndCountsDepth") {
  temp_dir dir;
  auto q = open_queue(queue_options(dir.path()));
  CHECK(q->depth() == 0);
  put_many(*q, 0, 10);
  CHECK(q->depth() == 10);
  std::string_view first;
  REQUIRE(q->peek(first).is_ok());
  CHECK(first == msg(0));
  REQUIRE(q->peek(first).is_ok()); // peeking twice does not consume
  CHECK(first == msg(0));
  CHECK(q->depth() == 10);
  REQUIRE(q->pop().is_ok());
  CHECK(q->depth() == 9);
  CHECK(indices(drain(*q)) == range(1, 10));
  CHECK(q->depth() == 0);
  std::string_view none;
  CHECK(q->peek(none).is_not_found());
  put_many(*q, 10, 12); // reading resumes when more arrives
  CHECK(indices(drain(*q)) == range(10, 12));
}

TEST_CASE("SegmentsAreNamedLikeNsqdAndRolledAtMaxBytes") {
  temp_dir dir;
  auto q = open_queue(queue_options(dir.path()));
  put_many(*q, 0, 60); // 1024 / 36 = 28 records per file
  CHECK(size_of(dir.path() + "/t:c.diskqueue.000000.dat") == 28 * rec);
  CHECK(size_of(dir.path() + "/t:c.diskqueue.000001.dat") == 28 * rec);
  CHECK(size_of(dir.path() + "/t:c.diskqueue.000002.dat") == 4 * rec);
  CHECK(std::filesystem::exists(dir.path() + "/t:c.diskqueue.meta.dat"));
  CHECK(q->positions().write == queue_position{2, 4 * rec});
  CHECK(indices(drain(*q)) == range(0, 60));
  // Files the reader has left are deleted.
  CHECK_FALSE(std::filesystem::exists(dir.path() + "/t:c.diskqueue.000000.dat"));
  CHECK_FALSE(std::filesystem::exists(dir.path() + "/t:c.diskqueue.000001.dat"));
}

TEST_CASE("OversizedRecordGetsASegmentOfItsOwn") {
  temp_dir dir;
  auto q = open_queue(queue_options(dir.path()));
  put_many(*q, 0, 1);
  REQUIRE(q->put(msg(1, 2000)).is_ok());
  put_many(*q, 2, 3);
  CHECK(size_of(segment_path(dir.path(), "t:c", 1)) == record_format::header_size + 2000);
  CHECK(indices(drain(*q)) == range(0, 3));
}

TEST_CASE("RecordLargerThanTheMaximumIsRefused") {
  temp_dir dir;
  auto q = open_queue(queue_options(dir.path()));
  CHECK(q->put(std::string(4097, 'x')).is_invalid_argument());
  CHECK(q->depth() == 0);
}

TEST_CASE("ReopenResumesWhereCloseLeft") {
  temp_dir dir;
  auto o = queue_options(dir.path());
  {
    auto q = open_queue(o);
    put_many(*q, 0, 50);
    std::string r;
    for (int i = 0; i < 20; ++i)
      REQUIRE(q->read_next(r).is_ok());
    REQUIRE(q->close().is_ok());
    CHECK(q->put("x").is_invalid_argument());
  }
  auto q = open_queue(o);
  CHECK(q->depth() == 30);
  CHECK(q->stats().tail_records_recovered == 0);
  CHECK(indices(drain(*q)) == range(20, 50));
}

TEST_CASE("SyncEveryCountsReadsAndWrites") {
  temp_dir dir;
  auto o = queue_options(dir.path());
  o.sync_every = 3;
  auto q = open_queue(o);
  put_many(*q, 0, 2);
  CHECK(meta_on_disk(dir.path()).write.offset == 0); // not synced yet
  put_many(*q, 2, 3);
  CHECK(meta_on_disk(dir.path()).write.offset == 3 * rec);
  CHECK(meta_on_disk(dir.path()).depth == 3);
  std::string r;
  REQUIRE(q->read_next(r).is_ok());
  REQUIRE(q->read_next(r).is_ok());
  CHECK(meta_on_disk(dir.path()).read.offset == 0);
  REQUIRE(q->read_next(r).is_ok());
  CHECK(meta_on_disk(dir.path()).read.offset == 3 * rec);
}

TEST_CASE("SyncEveryOneMakesEveryPutDurableBeforeItReturns") {
  temp_dir dir;
  auto o = queue_options(dir.path());
  o.sync_every = 1;
  auto q = open_queue(o);
  for (int i = 0; i < 5; ++i) {
    REQUIRE(q->put(msg(i)).is_ok());
    CHECK(meta_on_disk(dir.path()).write.offset == (i + 1) * rec);
  }
}

TEST_CASE("MaybeSyncSyncsAfterTheTimeoutOnlyIfSomethingHappened") {
  temp_dir dir;
  auto o = queue_options(dir.path());
  o.sync_timeout = 2s;
  auto q = open_queue(o);
  auto t0 = disk_queue::clock::time_point{} + 100s;
  REQUIRE(q->maybe_sync(t0).is_ok());
  put_many(*q, 0, 4);
  REQUIRE(q->maybe_sync(t0 + 1s).is_ok());
  CHECK(meta_on_disk(dir.path()).write.offset == 0);
  REQUIRE(q->maybe_sync(t0 + 2s).is_ok());
  CHECK(meta_on_disk(dir.path()).write.offset == 4 * rec);
  // Quiet: nothing to sync, the meta is not rewritten.
  auto before = std::filesystem::last_write_time(meta_path(dir.path(), "t:c"));
  REQUIRE(q->maybe_sync(t0 + 10s).is_ok());
  CHECK(std::filesystem::last_write_time(meta_path(dir.path(), "t:c")) == before);
}

TEST_CASE("UnsyncedWritesSurviveAProcessKill") {
  // A SIGKILL loses nothing the kernel accepted: the writes are in the page
  // cache and open() scans past the meta's write position. Destroying the
  // queue without close() is exactly what the kill leaves on disk.
  temp_dir dir;
  auto o = queue_options(dir.path());
  {
    auto q = open_queue(o);
    put_many(*q, 0, 40); // rolls once (syncs meta there), then 12 unsynced
  }
  CHECK(meta_on_disk(dir.path()).write == queue_position{1, 0});
  auto q = open_queue(o);
  CHECK(q->stats().tail_records_recovered == 12);
  CHECK(q->stats().tail_bytes_truncated == 0);
  CHECK(q->depth() == 40);
  CHECK(indices(drain(*q)) == range(0, 40));
}

TEST_CASE("PutBatchWritesEverySegmentWithOneCall") {
  temp_dir dir;
  auto q = open_queue(queue_options(dir.path()));
  std::vector<std::string> batch;
  for (int i = 0; i < 70; ++i)
    batch.push_back(msg(i));
  size_t stored = 0;
  REQUIRE(q->put_batch(batch, stored).is_ok());
  CHECK(stored == 70);
  CHECK(q->depth() == 70);
  CHECK(q->positions().write == queue_position{2, 14 * rec});
  CHECK(indices(drain(*q)) == range(0, 70));
}

TEST_CASE("PutBatchRefusesAnOversizedRecordWithoutStoringAny") {
  temp_dir dir;
  auto q = open_queue(queue_options(dir.path()));
  size_t stored = 99;
  CHECK(q->put_batch({msg(0), std::string(5000, 'x')}, stored).is_invalid_argument());
  CHECK(stored == 0);
  CHECK(q->depth() == 0);
}

TEST_CASE("EmptyDeletesTheDataAndKeepsTheQueueUsable") {
  temp_dir dir;
  auto o = queue_options(dir.path());
  auto q = open_queue(o);
  put_many(*q, 0, 40);
  REQUIRE(q->empty().is_ok());
  CHECK(q->depth() == 0);
  CHECK_FALSE(std::filesystem::exists(segment_path(dir.path(), "t:c", 0)));
  CHECK_FALSE(std::filesystem::exists(segment_path(dir.path(), "t:c", 1)));
  std::string_view none;
  CHECK(q->peek(none).is_not_found());
  put_many(*q, 100, 103);
  CHECK(q->positions().write.file == 2);
  q.reset();
  auto again = open_queue(o);
  CHECK(again->depth() == 3);
  CHECK(indices(drain(*again)) == range(100, 103));
}

TEST_CASE("RemoveDeletesEveryFileOfTheQueueAndNoOther") {
  temp_dir dir;
  auto o = queue_options(dir.path());
  auto other_options = o;
  other_options.name = "t";
  auto other = open_queue(other_options);
  put_many(*other, 0, 3);
  auto q = open_queue(o);
  put_many(*q, 0, 40);
  REQUIRE(q->remove().is_ok());
  CHECK_FALSE(std::filesystem::exists(meta_path(dir.path(), "t:c")));
  std::vector<uint64_t> segments;
  REQUIRE(list_segments(dir.path(), "t:c", segments).is_ok());
  CHECK(segments.empty());
  REQUIRE(list_segments(dir.path(), "t", segments).is_ok());
  CHECK(segments == std::vector<uint64_t>{0});
  CHECK(indices(drain(*other)) == range(0, 3));
}

TEST_CASE("ListSegmentsMatchesTheQueueNameExactly") {
  temp_dir dir;
  write_file(dir.path() + "/a.diskqueue.000001.dat", "");
  write_file(dir.path() + "/a.diskqueue.000003.dat", "");
  write_file(dir.path() + "/a.diskqueue.000001.diskqueue.000000.dat", "");
  write_file(dir.path() + "/a.diskqueue.meta.dat", "");
  write_file(dir.path() + "/a.diskqueue.000002.dat.bad", "");
  write_file(dir.path() + "/ab.diskqueue.000004.dat", "");
  std::vector<uint64_t> segments;
  REQUIRE(list_segments(dir.path(), "a", segments).is_ok());
  CHECK(segments == std::vector<uint64_t>{1, 3});
}

TEST_CASE("MetaFileIsGoDiskqueueTextPlusAChecksum") {
  queue_meta m{7, {0, 0}, {2, 36}, std::nullopt};
  auto text = encode_queue_meta(m);
  CHECK(text.rfind("7\n0,0\n2,36\ncrc32c:", 0) == 0);
  queue_meta back;
  REQUIRE(decode_queue_meta(text, back).is_ok());
  CHECK(back.depth == 7);
  CHECK(back.write == queue_position{2, 36});
  text[0] = '8';
  CHECK(decode_queue_meta(text, back).is_corruption());
  CHECK(decode_queue_meta("", back).is_corruption());
  CHECK(decode_queue_meta("99999999999999999999999\n0,0\n0,0\n", back).is_corruption());
}

TEST_CASE("PutThroughputBenchmark") {
  // A measurement, not an assertion: 200-byte records, sync-every 2500.
  temp_dir dir;
  auto o = queue_options(dir.path());
  o.max_bytes_per_file = 100 * 1024 * 1024;
  o.sync_every = 2500;
  auto q = open_queue(o);
  const int n = 200000;
  std::string payload(200, 'p');
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < n; ++i)
    REQUIRE(q->put(payload).is_ok());
  auto single = std::chrono::steady_clock::now() - start;
  std::vector<std::string> batch(100, payload);
  start = std::chrono::steady_clock::now();
  size_t stored = 0;
  for (int i = 0; i < n / 100; ++i)
    REQUIRE(q->put_batch(batch, stored).is_ok());
  auto batched = std::chrono::steady_clock::now() - start;
  auto rate = [&](auto d) {
    return static_cast<long long>(n / std::chrono::duration<double>(d).count());
  };
  std::cout << "disk_queue put, 200-byte records, sync-every 2500: " << rate(single)
            << " records/s one by one, " << rate(batched)
            << " records/s in batches of 100\n";
  CHECK(q->depth() == 2 * n);
}
