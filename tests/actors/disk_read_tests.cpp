// The disk I/O actor's reads on the test scheduler: a read answers with one
// batch of records back to back, topic records with their position, and
// stops early once the batch holds 4 MiB, however many records were asked.

#include "actors/disk_record_batch.hpp"
#include "actors/disk_worker.hpp"
#include "storage/queue_record.hpp"
#include "tests/actors/fixture.hpp"
#include "tests/actors/temp_dir.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

using namespace std::chrono_literals;
using namespace nsq;
using namespace nsq::test;

namespace {

struct read_fixture : temp_dir, actor_fixture {
  caf::scoped_actor client{sys};
  caf::actor io;

  explicit read_fixture(const std::string& queue = "t") {
    auto ctx = std::make_shared<disk_context>();
    ctx->data_path = path;
    ctx->detached = false;
    auto broker = sys.spawn(ignore_health, 0);
    io = spawn_disk_io(sys, disk_queue_options_of(*ctx, *config, queue), broker, false,
                       true);
  }

  ~read_fixture() {
    caf::anon_send_exit(io, caf::exit_reason::user_shutdown);
    sched.run();
  }

  /// Stores one message record per body in queue `queue`.
  void put(const std::string& queue, const std::vector<std::string>& bodies) {
    std::vector<std::string> payloads;
    for (size_t i = 0; i < bodies.size(); ++i) {
      storage::queue_record r;
      r.message.id = *make_message_id("000000000000000" + std::to_string(i % 10));
      r.message.body = bodies[i];
      payloads.emplace_back();
      storage::append_queue_record(payloads.back(), r);
    }
    client->send(io, disk_put_atom::value, queue, uint64_t{1}, uint64_t{1}, payloads);
    sched.run();
    client->receive([](uint64_t stored, uint64_t, std::string& error) {
      CHECK(error.empty());
      CHECK(stored > 0);
    });
  }

  /// Reads up to n records of `queue`.
  disk_record_batch read(const std::string& queue, uint64_t n) {
    disk_record_batch out;
    client->send(io, disk_read_atom::value, queue, uint64_t{1}, uint64_t{1}, n);
    sched.run();
    client->receive(
        [&](disk_record_batch& records, uint64_t, uint64_t) { out = std::move(records); },
        caf::after(0s) >> [] { FAIL("no answer to the read"); });
    return out;
  }
};

std::string body_of(std::string_view record) {
  storage::queue_record r;
  REQUIRE(storage::decode_queue_record(record, r).is_ok());
  return r.message.body;
}

} // namespace

TEST_CASE_METHOD(read_fixture, "a read answers with the records back to back in order",
                 "[disk_read]") {
  put("t", {"a", "bb", "ccc"});
  auto batch = read("t", 1024);
  REQUIRE(batch.size() == 3);
  CHECK(body_of(batch[0]) == "a");
  CHECK(body_of(batch[1]) == "bb");
  CHECK(body_of(batch[2]) == "ccc");
  CHECK(batch.ends.back() == batch.bytes.size());
  // A topic's records leave with their place in its queue (hand-off marks).
  auto first = storage::origin_of_record(batch[0]);
  auto second = storage::origin_of_record(batch[1]);
  REQUIRE(first);
  REQUIRE(second);
  CHECK(second->offset > first->offset);
}

TEST_CASE_METHOD(read_fixture, "a read stops early once its batch holds 4 MiB",
                 "[disk_read]") {
  // Six records of ~1 MB: the fifth passes 4 MiB, the sixth waits for the next read.
  put("t", std::vector<std::string>(6, std::string(1000000, 'x')));
  auto batch = read("t", 1024);
  CHECK(batch.size() == 5);
  CHECK(body_of(batch[4]) == std::string(1000000, 'x'));
  auto rest = read("t", 1024);
  CHECK(rest.size() == 1);
  CHECK(read("t", 1024).empty());
}
