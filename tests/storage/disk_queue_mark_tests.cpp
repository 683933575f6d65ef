// Hand-off marks (docs/disk-format.md): a channel's queue keeps the highest
// origin (position in the topic's queue) of the records it stored, durably
// with them, and does not store a record again whose origin is at or below
// it: the topic's hand-off repeated after a crash is stored once.
#include "protocol/id_generator.hpp"
#include "storage/queue_helpers.hpp"
#include "storage/queue_record.hpp"
#include "storage/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <memory>

using namespace nsq;
using namespace nsq::storage;
using namespace nsq::storage::test;

namespace {

disk_queue_options marked(disk_queue_options o) {
  o.origin_of = origin_of_record;
  return o;
}

/// The channel's copy of the topic's record at offset 100 * i of segment 0.
std::string copy_of(int i) {
  queue_record r;
  r.message =
      message_data{encode_id(static_cast<uint64_t>(i)), 1000, "m" + std::to_string(i)};
  r.origin = queue_position{0, static_cast<uint64_t>(100 * i)};
  std::string out;
  append_queue_record(out, r);
  return out;
}

std::vector<std::string> copies(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i)
    out.push_back(copy_of(i));
  return out;
}

/// Writes the copies of records from..to-1; returns how many count as stored.
size_t put_copies(disk_queue& q, int from, int to) {
  size_t stored = 0;
  REQUIRE(q.put_batch(copies(from, to), stored).is_ok());
  return stored;
}

/// Returns the bodies of every record left, read until the writer.
std::vector<std::string> bodies_in(disk_queue& q) {
  std::vector<std::string> out;
  for (auto& p : drain(q)) {
    queue_record r;
    REQUIRE(decode_queue_record(p, r).is_ok());
    out.push_back(r.message.body);
  }
  return out;
}

std::vector<std::string> names(int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i)
    out.push_back("m" + std::to_string(i));
  return out;
}

} // namespace

TEST_CASE("AHandOffMarkSurvivesACrashAndARepeatedHandOffIsStoredOnce") {
  temp_dir dir;
  auto o = marked(sync_each(dir.path()));
  {
    auto q = open_queue(o);
    CHECK(put_copies(*q, 1, 6) == 5);
    REQUIRE(q->mark());
    CHECK(q->mark()->offset == 500);
  } // dropped without close: a SIGKILL after the synced write
  auto q = open_queue(o);
  REQUIRE(q->mark());
  CHECK(q->mark()->offset == 500);
  // The topic's confirm was not durable: it hands 3..8 again.
  size_t stored = 0;
  REQUIRE(q->put_batch(copies(3, 9), stored).is_ok());
  CHECK(stored == 6);     // all count as stored (the topic may confirm them)...
  CHECK(q->depth() == 8); // ...but 3, 4, 5 are not written twice
  CHECK(q->mark()->offset == 800);
  CHECK(bodies_in(*q) == names(1, 9));
}

TEST_CASE("AHandOffMarkIsFoundInRecordsWrittenAfterTheLastSync") {
  temp_dir dir;
  auto o = marked(queue_options(dir.path())); // sync_every 1000: no sync after the write
  {
    auto q = open_queue(o);
    put_copies(*q, 1, 4);
  } // the meta (written at open) has no mark; the records are in the file
  auto q = open_queue(o);
  CHECK(q->stats().tail_records_recovered == 3);
  REQUIRE(q->mark());
  CHECK(q->mark()->offset == 300);
  CHECK(put_copies(*q, 1, 4) == 3);
  CHECK(bodies_in(*q) == names(1, 4));
}

TEST_CASE("RecordsWithoutOriginAreStoredWhateverTheMark") {
  temp_dir dir;
  auto o = marked(sync_each(dir.path()));
  auto q = open_queue(o);
  put_copies(*q, 1, 4);
  size_t stored = 0;
  // A requeued message is stored again without its origin; a later copy
  // of the topic's records is stored.
  std::vector<std::string> mixed{msg(7), copy_of(2), copy_of(4)};
  REQUIRE(q->put_batch(mixed, stored).is_ok());
  CHECK(stored == 3);
  CHECK(q->depth() == 5);
  REQUIRE(q->put(copy_of(3)).is_ok()); // stored already: not again
  CHECK(q->depth() == 5);
}

TEST_CASE("AnEmptiedQueueKeepsItsMarkARemovedOneForgetsIt") {
  temp_dir dir;
  auto o = marked(sync_each(dir.path()));
  {
    auto q = open_queue(o);
    put_copies(*q, 1, 3);
    REQUIRE(q->empty().is_ok());
    REQUIRE(q->close().is_ok());
  }
  {
    auto q = open_queue(o);
    REQUIRE(q->mark());
    CHECK(q->mark()->offset == 200);
    CHECK(q->depth() == 0);
    REQUIRE(q->remove().is_ok());
  }
  auto q = open_queue(o);
  CHECK_FALSE(q->mark());
}

TEST_CASE("TheMetaCarriesTheMarkAndOldMetasStillParse") {
  queue_meta m{3, {1, 20}, {2, 40}, queue_position{5, 60}};
  auto text = encode_queue_meta(m);
  CHECK(text.find("mark:5,60\n") != std::string::npos);
  queue_meta back;
  REQUIRE(decode_queue_meta(text, back).is_ok());
  REQUIRE(back.mark);
  CHECK(back.mark->file == 5);
  CHECK(back.mark->offset == 60);
  m.mark.reset();
  REQUIRE(decode_queue_meta(encode_queue_meta(m), back).is_ok());
  CHECK_FALSE(back.mark);
  text[text.find("mark:5") + 5] = '6'; // the checksum covers the mark
  CHECK(decode_queue_meta(text, back).is_corruption());
}
