// Peek-then-confirm: a popped record stays on disk until confirmed, so a
// crash (the queue dropped without close) reads it again; and a failed sync
// never turns a completed read or write into a failure.
#include "storage/queue_helpers.hpp"
#include "storage/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <cerrno>
#include <memory>

using namespace nsq::storage;
using namespace nsq::storage::test;

namespace {

/// A switch the queue's sync_fault hook reads: on, every sync fails.
struct fault_switch {
  std::shared_ptr<bool> on = std::make_shared<bool>(false);
  void attach(disk_queue_options& o) const {
    o.sync_fault = [on = on]() {
      return *on ? status::io_error("injected fsync", EIO) : status::ok();
    };
  }
};

} // namespace

TEST_CASE("PoppedButUnconfirmedRecordsAreReadAgainAfterACrash") {
  temp_dir dir;
  auto o = sync_each(dir.path());
  {
    auto q = open_queue(o);
    put_many(*q, 0, 10);
    CHECK(pop_n(*q, 3) == range(0, 3));
    CHECK(q->unconfirmed() == 3);
    CHECK(q->depth() == 7);
  } // SIGKILL: no close; the meta is as the last sync left it
  auto q = open_queue(o);
  CHECK(q->depth() == 10);
  CHECK(indices(drain(*q)) == range(0, 10));
}

TEST_CASE("ConfirmedRecordsAreNotReadAgainAfterACrash") {
  temp_dir dir;
  auto o = sync_each(dir.path());
  {
    auto q = open_queue(o);
    put_many(*q, 0, 10);
    CHECK(pop_n(*q, 5) == range(0, 5));
    q->confirm(2);
    CHECK(q->unconfirmed() == 3);
  }
  auto q = open_queue(o);
  CHECK(q->depth() == 8);
  CHECK(indices(drain(*q)) == range(2, 10));
}

TEST_CASE("SegmentsStayUntilEveryRecordInThemIsConfirmed") {
  temp_dir dir;
  auto o = sync_each(dir.path());
  auto seg0 = segment_path(dir.path(), "t:c", 0);
  {
    auto q = open_queue(o);
    put_many(*q, 0, 60); // 28 records per 1 KiB segment: files 0, 1, 2
    CHECK(pop_n(*q, 40) == range(0, 40));
    CHECK(std::filesystem::exists(seg0)); // the reader left it, nothing confirmed
    q->confirm(28);
    CHECK_FALSE(std::filesystem::exists(seg0));
  }
  auto q = open_queue(o);
  CHECK(indices(drain(*q)) == range(28, 60));
}

TEST_CASE("CloseKeepsUnconfirmedRecordsAndConfirmAllReleasesThem") {
  temp_dir dir;
  auto o = queue_options(dir.path());
  {
    auto q = open_queue(o);
    put_many(*q, 0, 6);
    pop_n(*q, 4);
    q->confirm(1);
    REQUIRE(q->close().is_ok());
  }
  {
    auto q = open_queue(o);
    CHECK(pop_n(*q, 2) == range(1, 3));
    q->confirm_all();
    REQUIRE(q->close().is_ok());
  }
  auto q = open_queue(o);
  CHECK(indices(drain(*q)) == range(3, 6));
}

TEST_CASE("SyncFailureAfterAGoodReadNeitherFailsNorLosesTheRecord") {
  temp_dir dir;
  auto o = sync_each(dir.path());
  fault_switch fault;
  fault.attach(o);
  auto q = open_queue(o);
  put_many(*q, 0, 5);
  *fault.on = true;
  std::string r;
  for (int i = 0; i < 5; ++i) { // each read is good; each sync fails
    INFO("read " << i);
    REQUIRE(q->read_next(r).is_ok());
    CHECK(indices({r}) == std::vector<int>{i});
    CHECK_FALSE(q->sync_error().is_ok());
  }
  CHECK(q->read_next(r).is_not_found());
  *fault.on = false;
  CHECK(q->sync().is_ok());
  CHECK(q->sync_error().is_ok());
}

TEST_CASE("SyncFailureAfterAGoodReadKeepsTheRecordOnDisk") {
  temp_dir dir;
  auto o = sync_each(dir.path());
  fault_switch fault;
  fault.attach(o);
  {
    auto q = open_queue(o);
    put_many(*q, 0, 5);
    *fault.on = true;
    CHECK(pop_n(*q, 2) == range(0, 2));
    q->confirm(2); // not synced: after a crash these come back (duplicates, not loss)
  }
  *fault.on = false;
  auto q = open_queue(o);
  CHECK(indices(drain(*q)) == range(0, 5));
}

TEST_CASE("SyncFailureAfterAGoodWriteReportsItStored") {
  temp_dir dir;
  auto o = sync_each(dir.path());
  fault_switch fault;
  fault.attach(o);
  auto q = open_queue(o);
  *fault.on = true;
  CHECK(q->put(msg(0)).is_ok());
  size_t stored = 0;
  CHECK(q->put_batch({msg(1), msg(2)}, stored).is_ok());
  CHECK(stored == 2);
  CHECK_FALSE(q->sync_error().is_ok());
  CHECK(q->depth() == 3);
  *fault.on = false;
  CHECK(indices(drain(*q)) == range(0, 3));
}

TEST_CASE("OnAFullDiskConfirmedSegmentsGoEvenThoughTheMetaCannotMove") {
  temp_dir dir;
  auto o = sync_each(dir.path());
  auto no_space = std::make_shared<bool>(false);
  o.sync_fault = [no_space] {
    return *no_space ? status::no_space("injected ENOSPC") : status::ok();
  };
  auto seg0 = segment_path(dir.path(), "t:c", 0);
  {
    auto q = open_queue(o);
    put_many(*q, 0, 60); // files 0, 1, 2
    *no_space = true;
    CHECK(pop_n(*q, 30) == range(0, 30));
    q->confirm(28);
    CHECK_FALSE(std::filesystem::exists(seg0)); // its space is back
    CHECK(q->sync_error().is_no_space());
  } // killed before space returned: the meta still names segment 0
  *no_space = false;
  auto q = open_queue(o);
  CHECK(indices(drain(*q)) == range(28, 60)); // nothing unconfirmed lost
}
