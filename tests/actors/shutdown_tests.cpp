// What a shutdown (SIGTERM) keeps: scripted interleavings of a channel's or
// topic's exit with its disk I/O actor's outstanding requests, on the test
// scheduler. After the exit, the queue's files must hold every message that
// was neither finished nor dropped.

#include "actors/channel.hpp"
#include "actors/channel_state.hpp"
#include "storage/disk_queue.hpp"
#include "storage/queue_record.hpp"
#include "tests/actors/delivery_helpers.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <set>

using namespace std::chrono_literals;
using namespace nsq;
using namespace nsq::test;

namespace {

struct shutdown_dir {
  std::string path;
  shutdown_dir() {
    char tmpl[] = "/tmp/caf-nsqd-sigterm-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~shutdown_dir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
};

// An argument: CAF 0.17.6 binds a null reference for argument-less function
// actors (UBSan).
caf::behavior ignore_health(caf::event_based_actor*, int) {
  return {
      [](health_atom, const std::string&) {},
  };
}

struct shutdown_fixture : shutdown_dir, delivery_fixture {
  uint64_t drained = 0;
  caf::actor probe;
  caf::actor broker;

  shutdown_fixture() {
    probe = sys.spawn(drained_probe, &drained);
    broker = sys.spawn(ignore_health, 0);
    to_stop.push_back(probe);
    to_stop.push_back(broker);
  }

  disk_context_ptr context() {
    auto ctx = std::make_shared<disk_context>();
    ctx->data_path = path;
    ctx->detached = false;
    ctx->broker = broker;
    return ctx;
  }

  /// Bodies in queue `name`'s files, oldest first.
  std::vector<std::string> bodies_of(const std::string& name) {
    storage::disk_queue_options o;
    o.directory = path;
    o.name = name;
    std::unique_ptr<storage::disk_queue> q;
    std::vector<std::string> out;
    REQUIRE(storage::disk_queue::open(o, q).is_ok());
    std::string payload;
    while (q->read_next(payload).is_ok()) {
      storage::queue_record r;
      REQUIRE(storage::decode_queue_record(payload, r).is_ok());
      out.push_back(std::string{r.message.body});
    }
    CHECK(q->close().is_ok());
    return out;
  }
};

} // namespace

TEST_CASE_METHOD(shutdown_fixture,
                 "a channel exiting while its refill read is outstanding keeps the "
                 "records of that read",
                 "[shutdown]") {
  config->mem_queue_size = 4; // memory 4, refill below 2
  auto ch = spawn_channel(sys, probe, "t", "c", config, context(), false);
  to_stop.push_back(ch);
  sched.run();
  caf::anon_send(ch, enqueue_atom::value, make_test_batch(1, 10), caf::timespan{0});
  sched.run();
  auto& cs = state_of<channel_state>(ch);
  REQUIRE(cs.queue.size() == 4); // m1..m4; m5..m10 on disk
  REQUIRE(cs.disk.depth() == 6);
  consumer_log log;
  auto c = consumer(ch, log);
  subscribe(c);
  // RDY 3: m1..m3 go in flight, memory falls to 1 and the channel asks its
  // I/O actor for a batch. The SIGTERM's exit reaches the channel before
  // the I/O actor handled that read.
  caf::anon_send(c, ready_atom::value, int64_t{3});
  sched.prioritize(c);
  sched.run_once(); // the consumer forwards RDY
  sched.prioritize(ch);
  sched.run_once(); // the channel delivers and sends the read
  REQUIRE(cs.disk.reading());
  caf::anon_send_exit(ch, caf::exit_reason::user_shutdown);
  sched.prioritize(ch);
  sched.run_once(); // the exit: memory and in-flight written, queue closed
  sched.run();
  CHECK_FALSE(is_alive(ch));
  std::multiset<std::string> kept;
  for (auto& b : bodies_of("t:c"))
    kept.insert(b);
  for (int i = 1; i <= 10; ++i)
    CHECK(kept.count("m" + std::to_string(i)) == 1);
}
