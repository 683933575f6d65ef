// The confirm journal: records confirmed while an older one is not (FINs out
// of order) are skipped after a crash, and nothing unconfirmed is ever
// skipped; torn entries, full disks and rebuilt metas only bring confirmed
// records back.
#include "storage/queue_helpers.hpp"
#include "storage/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <set>

using namespace nsq::storage;
using namespace nsq::storage::test;

namespace {

/// Puts msg 0..9, pops 0..4 and confirms the popped ones at `held_back`
/// (indexes among them) while an older one is not: journaled and synced.
void confirm_out_of_order(disk_queue& q, const std::vector<uint64_t>& held_back) {
  put_many(q, 0, 10);
  CHECK(pop_n(q, 5) == range(0, 5));
  q.confirm_above_floor(held_back);
  q.sync_if_due();
}

std::string journal_of(const temp_dir& dir) {
  return journal_path(dir.path(), "t:c");
}

/// A file's size, 0 while it does not exist.
uint64_t size_or_zero(const std::string& path) {
  return std::filesystem::exists(path) ? std::filesystem::file_size(path) : 0;
}

/// A switch for a fault hook: on, the hook reports a full disk.
struct no_space_switch {
  std::shared_ptr<bool> on = std::make_shared<bool>(false);
  std::function<status()> hook() const {
    return [on = on] { return *on ? status::no_space("injected ENOSPC") : status::ok(); };
  }
};

} // namespace

TEST_CASE("FinishedRecordsAboveAnUnfinishedOneAreNotReadAgainAfterACrash") {
  temp_dir dir;
  auto o = sync_each(dir.path());
  {
    auto q = open_queue(o);
    put_many(*q, 0, 10);
    CHECK(pop_n(*q, 5) == range(0, 5));
    CHECK(q->confirm_above_floor({1, 3, 4}) == 3); // 0 and 2 still in flight
    CHECK(q->confirm_above_floor({3}) == 0);       // already journaled
    q->sync_if_due();
    CHECK(q->sync_error().is_ok());
    CHECK(size_or_zero(journal_of(dir)) == 3 * confirm_journal::entry_size);
  } // SIGKILL
  auto q = open_queue(o);
  CHECK(indices(drain(*q)) == without(range(0, 10), {1, 3, 4}));
  CHECK(q->stats().journaled_records_skipped == 3);
  CHECK(q->stats().records_skipped == 0);
}

TEST_CASE("JournaledRecordsAcrossSegmentsAreSkippedAndTheQueueEndsEmpty") {
  temp_dir dir;
  auto o = sync_each(dir.path());
  {
    auto q = open_queue(o);
    put_many(*q, 0, 60); // 28 records per 1 KiB segment: files 0, 1, 2
    pop_n(*q, 60);
    std::vector<uint64_t> all_but_first;
    for (uint64_t i = 1; i < 60; ++i)
      all_but_first.push_back(i);
    q->confirm_above_floor(all_but_first);
    q->sync_if_due();
  }
  {
    auto q = open_queue(o);
    CHECK(indices(drain(*q)) == std::vector<int>{0});
    CHECK(q->depth() == 0);
    CHECK(q->unconfirmed() == 0);
    REQUIRE(q->close().is_ok());
  }
  auto q = open_queue(o);
  CHECK(drain(*q).empty());
  CHECK(q->stats().records_skipped == 0);
}

TEST_CASE("OnlyTheUnconfirmedAndTheUnreadComeBackWhateverTheConfirmOrder") {
  // FINs in random order over 3,000 records, a crash, then the reopened queue
  // delivers exactly what was never confirmed. On every sync the journal
  // holds at most 2 × live + 64 entries, and live ≤ the unconfirmed records.
  temp_dir dir;
  auto o = sync_each(dir.path());
  std::mt19937 rng{42};
  std::set<int> confirmed;
  uint64_t largest_file = 0;
  {
    auto q = open_queue(o);
    put_many(*q, 0, 3000);
    std::deque<std::pair<int, bool>> out; // (payload, confirmed), oldest first
    for (int round = 0; round < 420; ++round) {
      for (int i : pop_n(*q, 7))
        out.emplace_back(i, false);
      for (auto& [i, done] : out)
        if (!done && rng() % 10 < 3) {
          done = true;
          confirmed.insert(i);
        }
      uint64_t released = 0;
      while (!out.empty() && out.front().second) {
        out.pop_front();
        ++released;
      }
      q->release(released);
      std::vector<uint64_t> held_back;
      for (uint64_t k = 0; k < out.size(); ++k)
        if (out[k].second)
          held_back.push_back(k);
      q->confirm_above_floor(held_back);
      q->sync_if_due();
      INFO("round " << round);
      REQUIRE(q->journal().live() <= q->unconfirmed());
      REQUIRE(q->journal().file_entries() <= 2 * q->journal().live() + 64);
      REQUIRE(size_or_zero(journal_of(dir)) ==
              q->journal().file_entries() * confirm_journal::entry_size);
      largest_file = std::max(largest_file, q->journal().file_entries());
    }
    CHECK(q->journal().live() > 0); // the crash finds a journal to apply
  }
  INFO("largest journal: " << largest_file << " entries");
  auto q = open_queue(o);
  std::vector<int> expected;
  for (int i = 0; i < 3000; ++i)
    if (confirmed.count(i) == 0)
      expected.push_back(i);
  CHECK(indices(drain(*q)) == expected);
}

TEST_CASE("TheJournalIsEmptiedOnceTheReadPositionPassesIt") {
  temp_dir dir;
  auto o = sync_each(dir.path());
  auto q = open_queue(o);
  confirm_out_of_order(*q, {1, 2, 3, 4});
  CHECK(q->journal().file_entries() == 4);
  q->confirm(5); // the first one is finished: the floor passes all of them
  CHECK(q->journal().live() == 0);
  CHECK(q->journal().file_entries() == 0);
  CHECK(size_or_zero(journal_of(dir)) == 0);
}

TEST_CASE("ATornJournalTailIsIgnoredAndOnlyItsRecordsComeBack") {
  temp_dir dir;
  auto o = sync_each(dir.path());
  {
    auto q = open_queue(o);
    put_many(*q, 0, 10);
    pop_n(*q, 5);
    q->confirm_above_floor({1});
    q->sync_if_due();
    q->confirm_above_floor({2});
    q->sync_if_due();
    q->confirm_above_floor({3});
    q->sync_if_due();
  }
  { // the last entry damaged, and half an entry after it (a torn append)
    std::fstream f(journal_of(dir), std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(2 * confirm_journal::entry_size + 10);
    f.put('\x7f');
    f.seekp(0, std::ios::end);
    f.write("\xCA\xF5\x0C\x01\x00\x00", 6);
  }
  {
    auto q = open_queue(o);
    CHECK(q->stats().journal_entries_torn == 2);
    CHECK(pop_n(*q, 3) == std::vector<int>({0, 3, 4})); // 1 and 2 skipped, 3 again
    q->confirm_above_floor({1, 2});                     // 3 and 4 finished this time
    q->sync_if_due();
  }
  auto q = open_queue(o);
  CHECK(indices(drain(*q)) == without(range(0, 10), {1, 2, 3, 4}));
}

TEST_CASE("OnAFullDiskJournaledRecordsMayComeBackButNoneIsLost") {
  temp_dir dir;
  auto o = sync_each(dir.path());
  no_space_switch full;
  o.journal_fault = full.hook();
  {
    auto q = open_queue(o);
    put_many(*q, 0, 10);
    pop_n(*q, 5);
    *full.on = true;
    q->confirm(1);                  // the floor moves past 0 (the meta can)
    q->confirm_above_floor({1, 2}); // 2 and 3: the journal cannot be written
    q->sync_if_due();
    CHECK(q->sync_error().is_no_space()); // /ping reports it
    CHECK(q->journal().pending() == 2);
    CHECK(q->journal().file_entries() == 0);
  } // killed on the full disk
  *full.on = false;
  {
    auto q = open_queue(o);
    CHECK(indices(drain(*q)) == range(1, 10)); // 2 and 3 again; nothing lost
  }
  temp_dir dir2;
  auto o2 = sync_each(dir2.path());
  o2.journal_fault = full.hook();
  auto q = open_queue(o2);
  put_many(*q, 0, 10);
  pop_n(*q, 5);
  *full.on = true;
  q->confirm_above_floor({1, 2});
  q->sync_if_due();
  CHECK(q->sync_error().is_no_space());
  *full.on = false;
  q->maybe_sync(disk_queue::clock::now()); // the timer's sync retries the entries
  q->maybe_sync(disk_queue::clock::now() + std::chrono::hours(1));
  CHECK(q->sync_error().is_ok());
  CHECK(q->journal().pending() == 0);
  CHECK(q->journal().file_entries() == 2);
  q.reset(); // crash
  auto again = open_queue(o2);
  CHECK(indices(drain(*again)) == without(range(0, 10), {1, 2}));
}

TEST_CASE("ARebuiltMetaDropsTheJournal") {
  // Positions from a journal are trusted only with the meta they belong to:
  // rebuilt from the segments, everything is read again (duplicates only).
  temp_dir dir;
  auto o = sync_each(dir.path());
  {
    auto q = open_queue(o);
    confirm_out_of_order(*q, {1, 2, 3});
  }
  std::filesystem::remove(meta_path(dir.path(), "t:c"));
  auto q = open_queue(o);
  CHECK(q->stats().meta_rebuilds == 1);
  CHECK(size_or_zero(journal_of(dir)) == 0);
  CHECK(indices(drain(*q)) == range(0, 10));
}

TEST_CASE("EmptyAndRemoveTakeTheJournalWithThem") {
  temp_dir dir;
  auto o = sync_each(dir.path());
  auto q = open_queue(o);
  confirm_out_of_order(*q, {1, 2});
  REQUIRE(q->empty().is_ok());
  CHECK(q->journal().live() == 0);
  CHECK(size_or_zero(journal_of(dir)) == 0);
  put_many(*q, 10, 13);
  pop_n(*q, 2);
  q->confirm_above_floor({1});
  q->sync_if_due();
  CHECK(std::filesystem::exists(journal_of(dir)));
  REQUIRE(q->remove().is_ok());
  CHECK_FALSE(std::filesystem::exists(journal_of(dir)));
}
