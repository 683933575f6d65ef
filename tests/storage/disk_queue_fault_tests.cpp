// The disk queue read back after injected faults, with exact counts of what
// was recovered and what was reported lost.
#include "storage/fault_helpers.hpp"
#include "storage/queue_helpers.hpp"
#include "storage/record_format.hpp"
#include "storage/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <csignal>
#include <sys/resource.h>

using namespace nsq::storage;
using namespace nsq::storage::test;

namespace {

constexpr int per_file = 28; // 1024 / 36

std::string seg(const temp_dir& dir, uint64_t n) {
  return segment_path(dir.path(), "t:c", n);
}

/// Writes msg(0..n-1) and closes the queue cleanly.
void fill_and_close(const disk_queue_options& o, int n) {
  auto q = open_queue(o);
  put_many(*q, 0, n);
  REQUIRE(q->close().is_ok());
}

/// Lowers RLIMIT_FSIZE for its lifetime: writes past `bytes` fail (EFBIG), as
/// they would on a full disk, without needing a small file system.
class file_size_limit {
public:
  explicit file_size_limit(uint64_t bytes) {
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &old_) == 0);
    rlimit lowered = old_;
    lowered.rlim_cur = bytes;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &lowered) == 0);
  }
  ~file_size_limit() {
    ::setrlimit(RLIMIT_FSIZE, &old_);
    std::signal(SIGXFSZ, old_handler_);
  }

private:
  rlimit old_{};
  void (*old_handler_)(int) = nullptr;
};

} // namespace

TEST_CASE("TruncatedTailOfTheWriteSegmentIsCutOffAtOpen") {
  temp_dir dir;
  auto o = queue_options(dir.path());
  {
    auto q = open_queue(o);
    put_many(*q, 0, 10);
  } // killed: no close, the meta still says write position 0
  shrink_to(seg(dir, 0), 10 * rec - 5);
  auto q = open_queue(o);
  CHECK(q->stats().tail_records_recovered == 9);
  CHECK(q->stats().tail_bytes_truncated == rec - 5);
  CHECK(size_of(seg(dir, 0)) == 9 * rec);
  CHECK(q->depth() == 9);
  CHECK(indices(drain(*q)) == range(0, 9));
  CHECK(q->stats().records_skipped == 0);
}

TEST_CASE("TornAppendAfterSyncedRecordsIsCutOff") {
  temp_dir dir;
  auto o = queue_options(dir.path());
  fill_and_close(o, 10);
  std::string partial;
  append_record(partial, msg(10));
  append_bytes(seg(dir, 0), partial.substr(0, 20));
  auto q = open_queue(o);
  CHECK(q->stats().tail_records_recovered == 0);
  CHECK(q->stats().tail_bytes_truncated == 20);
  CHECK(q->depth() == 10);
  put_many(*q, 10, 12); // appends go after the good records
  CHECK(indices(drain(*q)) == range(0, 12));
}

TEST_CASE("TruncatedOldSegmentLosesOnlyItsCutRecord") {
  temp_dir dir;
  auto o = queue_options(dir.path());
  fill_and_close(o, 60);
  shrink_to(seg(dir, 0), per_file * rec - 5);
  auto q = open_queue(o);
  CHECK(q->depth() == 60);
  CHECK(indices(drain(*q)) == without(range(0, 60), {per_file - 1}));
  CHECK(q->stats().bytes_skipped == rec - 5);
  CHECK(q->stats().records_skipped == 1);
  CHECK(q->depth() == 0);
}

TEST_CASE("ChecksumMismatchSkipsOneRecord") {
  temp_dir dir;
  auto o = queue_options(dir.path());
  fill_and_close(o, 10);
  flip_byte(seg(dir, 0), 4 * rec + record_format::header_size + 7);
  auto q = open_queue(o);
  CHECK(indices(drain(*q)) == without(range(0, 10), {4}));
  CHECK(q->stats().bytes_skipped == rec);
  CHECK(q->stats().records_skipped == 1);
  CHECK(q->depth() == 0);
}

TEST_CASE("BadLengthSkipsOneRecordAndResyncs") {
  temp_dir dir;
  auto o = queue_options(dir.path());
  fill_and_close(o, 10);
  write_u32(seg(dir, 0), 4 * rec + record_format::length_offset, 5000);
  auto q = open_queue(o);
  CHECK(indices(drain(*q)) == without(range(0, 10), {4}));
  CHECK(q->stats().bytes_skipped == rec);
  CHECK(q->stats().records_skipped == 1); // known when the reader met the writer
}

TEST_CASE("FlippedByteInEverySecondRecordLosesExactlyThose") {
  temp_dir dir;
  auto o = queue_options(dir.path());
  fill_and_close(o, 20);
  for (int i = 1; i < 20; i += 2)
    flip_byte(seg(dir, 0), i * rec + (i % 4 == 1 ? 2 : record_format::header_size + 1));
  auto q = open_queue(o);
  std::vector<int> odd;
  for (int i = 1; i < 20; i += 2)
    odd.push_back(i);
  CHECK(indices(drain(*q)) == without(range(0, 20), odd));
  CHECK(q->stats().bytes_skipped == 10 * rec);
  CHECK(q->stats().records_skipped == 10);
}

TEST_CASE("MissingSegmentIsSkippedAndCounted") {
  temp_dir dir;
  auto o = queue_options(dir.path());
  fill_and_close(o, 60);
  delete_file(seg(dir, 1));
  auto q = open_queue(o);
  CHECK(q->depth() == 60);
  auto expected = range(0, per_file);
  for (int i = 2 * per_file; i < 60; ++i)
    expected.push_back(i);
  CHECK(indices(drain(*q)) == expected);
  CHECK(q->stats().segments_missing == 1);
  CHECK(q->stats().records_skipped == per_file);
}

TEST_CASE("MetaAheadOfDataIsCutBackToTheLastGoodRecord") {
  temp_dir dir;
  auto o = queue_options(dir.path());
  fill_and_close(o, 10);
  write_meta(meta_path(dir.path(), "t:c"),
             queue_meta{15, {0, 0}, {0, 15 * rec}, std::nullopt});
  auto q = open_queue(o);
  CHECK(q->stats().meta_rebuilds == 1);
  CHECK(q->depth() == 10);
  CHECK(q->stats().records_skipped == 5);
  CHECK(q->stats().bytes_skipped == 5 * rec);
  CHECK(q->positions().write == queue_position{0, 10 * rec});
  put_many(*q, 10, 11);
  CHECK(indices(drain(*q)) == range(0, 11));
}

TEST_CASE("MetaAheadOfATornWriteSegment") {
  temp_dir dir;
  auto o = queue_options(dir.path());
  fill_and_close(o, 10);
  shrink_to(seg(dir, 0), 7 * rec + 3);
  auto q = open_queue(o);
  CHECK(q->depth() == 7);
  CHECK(q->stats().records_skipped == 3);
  CHECK(size_of(seg(dir, 0)) == 7 * rec);
  CHECK(indices(drain(*q)) == range(0, 7));
}

TEST_CASE("MetaAheadWithAMissingWriteSegment") {
  temp_dir dir;
  auto o = queue_options(dir.path());
  fill_and_close(o, 40); // files 0 (28) and 1 (12)
  delete_file(seg(dir, 1));
  auto q = open_queue(o);
  CHECK(q->depth() == per_file);
  CHECK(q->stats().records_skipped == 12);
  CHECK(indices(drain(*q)) == range(0, per_file));
}

TEST_CASE("MissingMetaIsRebuiltFromTheSegments") {
  temp_dir dir;
  auto o = queue_options(dir.path());
  {
    auto q = open_queue(o);
    put_many(*q, 0, 60);
    std::string r;
    for (int i = 0; i < 30; ++i) // segment 0 is read and deleted
      REQUIRE(q->read_next(r).is_ok());
    REQUIRE(q->close().is_ok());
  }
  delete_file(meta_path(dir.path(), "t:c"));
  auto q = open_queue(o);
  CHECK(q->stats().meta_rebuilds == 1);
  // The read position went with the meta: segment 1 is read from its start.
  CHECK(q->depth() == 60 - per_file);
  CHECK(indices(drain(*q)) == range(per_file, 60));
}

TEST_CASE("DamagedMetaIsRebuiltFromTheSegments") {
  temp_dir dir;
  auto o = queue_options(dir.path());
  fill_and_close(o, 10);
  flip_byte(meta_path(dir.path(), "t:c"), 0);
  auto q = open_queue(o);
  CHECK(q->stats().meta_rebuilds == 1);
  CHECK(q->depth() == 10);
  CHECK(indices(drain(*q)) == range(0, 10));
}

TEST_CASE("SegmentsPastTheMetasWriteFileAreAdopted") {
  temp_dir dir;
  auto o = queue_options(dir.path());
  fill_and_close(o, 60); // files 0, 1, 2
  // A meta from before the roll to file 2 (as if that meta write was lost).
  write_meta(meta_path(dir.path(), "t:c"),
             queue_meta{2 * per_file, {0, 0}, {1, per_file * rec}, std::nullopt});
  auto q = open_queue(o);
  CHECK(q->stats().tail_records_recovered == 60 - 2 * per_file);
  CHECK(q->depth() == 60);
  CHECK(indices(drain(*q)) == range(0, 60));
}

TEST_CASE("StrayForeignBytesInASegmentAreSkippedNotTheSegment") {
  temp_dir dir;
  auto o = queue_options(dir.path());
  fill_and_close(o, 10);
  // Overwrite the middle of records 3..5 with junk: 3 whole records damaged.
  std::string data = read_file(seg(dir, 0));
  for (uint64_t i = 3 * rec + 1; i < 6 * rec - 1; ++i)
    data[i] = 'Z';
  write_file(seg(dir, 0), data);
  auto q = open_queue(o);
  CHECK(indices(drain(*q)) == without(range(0, 10), {3, 4, 5}));
  CHECK(q->stats().bytes_skipped == 3 * rec);
  CHECK(q->stats().records_skipped == 3);
}

TEST_CASE("FailedWriteStoresNothingAndDamagesNothing") {
  temp_dir dir;
  auto o = queue_options(dir.path());
  auto q = open_queue(o);
  put_many(*q, 0, 10);
  REQUIRE(q->sync().is_ok());
  {
    file_size_limit full(10 * rec + 20); // room for part of one more record
    auto st = q->put(msg(10));
    CHECK_FALSE(st.is_ok());
    CHECK(st.is_io_error());
    CHECK(q->depth() == 10);
    CHECK(size_of(seg(dir, 0)) == 10 * rec); // the partial record was cut off
    size_t stored = 99;
    CHECK_FALSE(q->put_batch({msg(11), msg(12)}, stored).is_ok());
    CHECK(stored == 0);
    REQUIRE(q->sync().is_ok());
    queue_meta m;
    REQUIRE(decode_queue_meta(read_file(meta_path(dir.path(), "t:c")), m).is_ok());
    CHECK(m.write == queue_position{0, 10 * rec}); // never past good data
  }
  // Space is back: puts work again and everything reads back in order.
  put_many(*q, 13, 15);
  CHECK(q->depth() == 12);
  auto expected = range(0, 10);
  expected.push_back(13);
  expected.push_back(14);
  CHECK(indices(drain(*q)) == expected);
  CHECK(q->stats().bytes_skipped == 0);
}

TEST_CASE("FailedRollLeavesTheQueueReadableAndRecovers") {
  temp_dir dir;
  auto o = queue_options(dir.path());
  o.sync_every = 1;
  auto q = open_queue(o);
  put_many(*q, 0, per_file);
  {
    // The meta file (about 40 bytes) can no longer be written: the roll's
    // meta write fails, and so does every sync.
    file_size_limit full(10);
    CHECK_FALSE(q->put(msg(per_file)).is_ok());
  }
  put_many(*q, per_file + 1, per_file + 3);
  q.reset(); // killed
  auto again = open_queue(o);
  auto got = indices(drain(*again));
  // The roll failed before record per_file was written: it was refused, not
  // stored; everything before and after it is there.
  CHECK(got == without(range(0, per_file + 3), {per_file}));
  CHECK(again->stats().records_skipped == 0);
}

TEST_CASE("NoSpaceIsItsOwnStatus") {
  CHECK(status::io_error("write x", ENOSPC).is_no_space());
  CHECK(status::io_error("write x", EDQUOT).is_no_space());
  CHECK(status::io_error("write x", EIO).is_io_error());
  CHECK(status::io_error("write x", ENOSPC).to_string() ==
        "no space: write x: No space left on device");
}
