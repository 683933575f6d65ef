// The record writer/reader pair on one file, with LevelDB-style fault scenarios.
#include "storage/fault_helpers.hpp"
#include "storage/record_format.hpp"
#include "storage/record_reader.hpp"
#include "storage/record_writer.hpp"
#include "storage/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace nsq::storage;
using namespace nsq::storage::test;

namespace {

struct skip {
  uint64_t offset, bytes, records;
};

class collecting_reporter : public corruption_reporter {
public:
  void corruption(uint64_t offset, uint64_t bytes, uint64_t records,
                  const status&) override {
    skips.push_back({offset, bytes, records});
  }
  uint64_t bytes() const {
    uint64_t n = 0;
    for (auto& s : skips)
      n += s.bytes;
    return n;
  }
  std::vector<skip> skips;
};

std::string payload(int i, size_t size = 20) {
  std::string p = "record-" + std::to_string(i) + "-";
  p.resize(size, static_cast<char>('a' + i % 26));
  return p;
}

/// Writes records 0..n-1 (20-byte payloads) to `path`; returns their start offsets.
std::vector<uint64_t> write_records(const std::string& path, int n, size_t size = 20) {
  posix_file file;
  REQUIRE(posix_file::open_write(path, file).is_ok());
  record_writer writer(std::move(file), 0);
  std::vector<uint64_t> offsets;
  for (int i = 0; i < n; ++i) {
    offsets.push_back(writer.offset() + writer.pending_bytes());
    writer.add(payload(i, size));
  }
  REQUIRE(writer.flush().is_ok());
  REQUIRE(writer.finish().is_ok());
  return offsets;
}

std::vector<std::string> read_all(const std::string& path, collecting_reporter& reporter,
                                  uint64_t max_payload = 1024) {
  posix_file file;
  REQUIRE(posix_file::open_read(path, file).is_ok());
  uint64_t size = 0;
  REQUIRE(file.size(size).is_ok());
  record_reader reader(std::move(file), 0, size, max_payload, &reporter);
  std::vector<std::string> out;
  std::string_view p;
  status st;
  while ((st = reader.read(p)).is_ok())
    out.emplace_back(p);
  CHECK(st.is_not_found());
  CHECK(reader.offset() == size);
  return out;
}

} // namespace

TEST_CASE("RecordsRoundTrip") {
  temp_dir dir;
  auto path = dir.path() + "/f";
  write_records(path, 5);
  CHECK(size_of(path) == 5 * rec);
  collecting_reporter reporter;
  auto got = read_all(path, reporter);
  REQUIRE(got.size() == 5);
  for (int i = 0; i < 5; ++i)
    CHECK(got[i] == payload(i));
  CHECK(reporter.skips.empty());
}

TEST_CASE("RecordHeaderIsMagicLengthAndTwoChecksums") {
  std::string out;
  append_record(out, "hello");
  REQUIRE(out.size() == 16 + 5);
  CHECK(out.substr(0, 8) == std::string("\xCA\xF5\x0D\x01\x00\x00\x00\x05", 8));
  CHECK(out.substr(16) == "hello");
  // CRC-32C("hello") = 0x9a71bb4c (the Castagnoli check value family).
  CHECK(out.substr(8, 4) == std::string("\x9a\x71\xbb\x4c", 4));
}

TEST_CASE("EmptyFileHasNoRecords") {
  temp_dir dir;
  auto path = dir.path() + "/f";
  write_records(path, 0);
  collecting_reporter reporter;
  CHECK(read_all(path, reporter).empty());
  CHECK(reporter.skips.empty());
}

TEST_CASE("TruncatedTrailingRecordIsIgnored") {
  temp_dir dir;
  auto path = dir.path() + "/f";
  write_records(path, 3);
  shrink_to(path, 3 * rec - 5);
  collecting_reporter reporter;
  auto got = read_all(path, reporter);
  CHECK(got.size() == 2);
  REQUIRE(reporter.skips.size() == 1);
  CHECK(reporter.skips[0].offset == 2 * rec);
  CHECK(reporter.skips[0].bytes == rec - 5);
  CHECK(reporter.skips[0].records == 0);
}

TEST_CASE("TruncatedTrailingHeaderIsIgnored") {
  temp_dir dir;
  auto path = dir.path() + "/f";
  write_records(path, 3);
  shrink_to(path, 2 * rec + 7);
  collecting_reporter reporter;
  CHECK(read_all(path, reporter).size() == 2);
  REQUIRE(reporter.skips.size() == 1);
  CHECK(reporter.skips[0].bytes == 7);
}

TEST_CASE("ReaderChecksumMismatchSkipsOneRecord") {
  temp_dir dir;
  auto path = dir.path() + "/f";
  auto offsets = write_records(path, 5);
  flip_byte(path, offsets[2] + record_format::header_size + 3);
  collecting_reporter reporter;
  auto got = read_all(path, reporter);
  REQUIRE(got.size() == 4);
  CHECK(got[2] == payload(3));
  REQUIRE(reporter.skips.size() == 1);
  CHECK(reporter.skips[0].offset == offsets[2]);
  CHECK(reporter.skips[0].bytes == rec);
  CHECK(reporter.skips[0].records == 1);
}

TEST_CASE("BadLengthResyncsAtTheNextRecord") {
  temp_dir dir;
  auto path = dir.path() + "/f";
  auto offsets = write_records(path, 5);
  write_u32(path, offsets[1] + record_format::length_offset, 0x7fffffff);
  collecting_reporter reporter;
  auto got = read_all(path, reporter);
  REQUIRE(got.size() == 4);
  CHECK(got[0] == payload(0));
  CHECK(got[1] == payload(2));
  REQUIRE(reporter.skips.size() == 1);
  CHECK(reporter.skips[0].offset == offsets[1]);
  CHECK(reporter.skips[0].bytes == rec);
  CHECK(reporter.skips[0].records == 0);
}

TEST_CASE("GarbageBetweenRecordsIsSkippedExactly") {
  temp_dir dir;
  auto path = dir.path() + "/f";
  write_records(path, 2);
  append_bytes(path, std::string(1000, '\xCA')); // magic's first byte, many times
  std::string tail;
  append_record(tail, "after");
  append_bytes(path, tail);
  collecting_reporter reporter;
  auto got = read_all(path, reporter);
  REQUIRE(got.size() == 3);
  CHECK(got[2] == "after");
  REQUIRE(reporter.skips.size() == 1);
  CHECK(reporter.skips[0].bytes == 1000);
}

TEST_CASE("DamageAcrossManyBufferRefillsStillResyncs") {
  temp_dir dir;
  auto path = dir.path() + "/f";
  write_records(path, 1);
  append_bytes(path, std::string(200 * 1024 + 3, 'x'));
  std::string tail;
  append_record(tail, "survivor");
  append_bytes(path, tail);
  collecting_reporter reporter;
  auto got = read_all(path, reporter);
  REQUIRE(got.size() == 2);
  CHECK(got[1] == "survivor");
  CHECK(reporter.bytes() == 200 * 1024 + 3);
}

TEST_CASE("OversizedRecordIsSkippedUnread") {
  temp_dir dir;
  auto path = dir.path() + "/f";
  write_records(path, 3, 100);
  collecting_reporter reporter;
  // A reader configured for smaller records never allocates for these.
  auto got = read_all(path, reporter, 50);
  CHECK(got.empty());
  REQUIRE(reporter.skips.size() == 3);
  for (auto& s : reporter.skips) {
    CHECK(s.bytes == record_format::header_size + 100);
    CHECK(s.records == 1);
  }
}

TEST_CASE("FlippedMagicByteSkipsOneRecordByResync") {
  temp_dir dir;
  auto path = dir.path() + "/f";
  auto offsets = write_records(path, 4);
  flip_byte(path, offsets[3]);
  collecting_reporter reporter;
  CHECK(read_all(path, reporter).size() == 3);
  REQUIRE(reporter.skips.size() == 1);
  CHECK(reporter.skips[0].bytes == rec);
}

TEST_CASE("ReaderSeesRecordsAppendedAfterItsLimitWhenExtended") {
  temp_dir dir;
  auto path = dir.path() + "/f";
  posix_file file;
  REQUIRE(posix_file::open_write(path, file).is_ok());
  record_writer writer(std::move(file), 0);
  writer.add("one");
  REQUIRE(writer.flush().is_ok());
  posix_file rfile;
  REQUIRE(posix_file::open_read(path, rfile).is_ok());
  record_reader reader(std::move(rfile), 0, writer.offset(), 1024, nullptr);
  std::string_view p;
  REQUIRE(reader.read(p).is_ok());
  CHECK(p == "one");
  CHECK(reader.read(p).is_not_found());
  writer.add("two");
  REQUIRE(writer.flush().is_ok());
  reader.extend_limit(writer.offset());
  REQUIRE(reader.read(p).is_ok());
  CHECK(p == "two");
}
