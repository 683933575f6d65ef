// Durability of channels with their disk queues, on the test scheduler
// (disk workers not detached): spill and refill order and counts, what
// shutdown persists, deferred delays across a reload. Topics:
// topic_durability_tests.cpp.

#include "tests/actors/durability_fixture.hpp"

#include <catch2/catch.hpp>

#include <chrono>

using namespace std::chrono_literals;
using namespace nsq;
using namespace nsq::test;

TEST_CASE_METHOD(durability_fixture,
                 "channel spills beyond --mem-queue-size and refills in order",
                 "[durability]") {
  config->mem_queue_size = 3;
  make_channel(context());
  enqueue(1, 10);
  CHECK(state().queue.size() == 3);
  CHECK(state().disk.depth() == 7);
  CHECK(state().disk.writing() == 0);
  CHECK(drained == 10); // memory took 3, disk confirmed 7: all credited back
  CHECK(std::filesystem::exists(path + "/t:c.diskqueue.meta.dat"));
  consumer_log log;
  auto c = consumer(ch, log);
  subscribe(c);
  caf::anon_send(c, ready_atom::value, int64_t{100});
  sched.run();
  REQUIRE(log.delivered.size() == 10);
  for (size_t i = 0; i < 10; ++i)
    CHECK(log.body(i) == "m" + std::to_string(i + 1));
  CHECK(state().disk.depth() == 0);
  CHECK(drained == 10);
  // Delivered, not finished: the records stay on disk until FIN.
  CHECK(std::filesystem::exists(path + "/t:c.diskqueue.meta.dat"));
  std::vector<message_id> ids;
  for (size_t i = 0; i < 10; ++i)
    ids.push_back(log.id(i));
  caf::anon_send(c, finish_atom::value, id_batch{ids});
  sched.run();
  // Drained and idle: the worker closed and removed the queue's files.
  CHECK_FALSE(std::filesystem::exists(path + "/t:c.diskqueue.meta.dat"));
  for (auto& h : health)
    CHECK(h.empty());
}

TEST_CASE_METHOD(durability_fixture, "mem-queue-size 0 sends everything through disk",
                 "[durability]") {
  config->mem_queue_size = 0;
  make_channel(context());
  enqueue(1, 5);
  CHECK(state().disk.depth() + state().queue.size() == 5);
  consumer_log log;
  auto c = consumer(ch, log);
  subscribe(c);
  caf::anon_send(c, ready_atom::value, int64_t{10});
  sched.run();
  REQUIRE(log.delivered.size() == 5);
  for (size_t i = 0; i < 5; ++i)
    CHECK(log.body(i) == "m" + std::to_string(i + 1));
}

TEST_CASE_METHOD(durability_fixture,
                 "shutdown persists memory queue, in-flight with attempts and deferred "
                 "with their due time",
                 "[durability]") {
  config->mem_queue_size = 100;
  make_channel(context());
  consumer_log log;
  auto c = consumer(ch, log);
  subscribe(c);
  enqueue(1, 3);
  caf::anon_send(c, ready_atom::value, int64_t{1});
  sched.run();
  REQUIRE(log.delivered.size() == 1); // m1 in flight, m2 m3 in memory
  enqueue(4, 1, 10s);                 // m4 deferred
  auto before = record_clock_ns();
  caf::anon_send_exit(ch, caf::exit_reason::user_shutdown);
  sched.run();
  CHECK_FALSE(is_alive(ch));
  auto records = records_of("t:c");
  REQUIRE(records.size() == 4);
  CHECK(records[0].message.body == "m2");
  CHECK(records[0].attempts == 0);
  CHECK(records[1].message.body == "m3");
  CHECK(records[2].message.body == "m1");
  CHECK(records[2].attempts == 1);
  CHECK(records[2].deliver_at == 0);
  CHECK(records[3].message.body == "m4");
  CHECK(records[3].deliver_at >= before + std::chrono::nanoseconds(9s).count());
  CHECK(records[3].deliver_at <=
        record_clock_ns() + std::chrono::nanoseconds(10s).count());
}

TEST_CASE_METHOD(durability_fixture,
                 "a reloaded deferred message keeps the rest of its delay",
                 "[durability]") {
  auto now = record_clock_ns();
  write_records("t:c", {{message_data{encode_id(1), 1000, "later"}, 0,
                         now + std::chrono::nanoseconds(30s).count(), std::nullopt},
                        {message_data{encode_id(2), 1000, "now"}, 3, 0, std::nullopt}});
  config->mem_queue_size = 100;
  make_channel(context({"t:c"}));
  consumer_log log;
  auto c = consumer(ch, log);
  subscribe(c);
  caf::anon_send(c, ready_atom::value, int64_t{10});
  sched.run();
  REQUIRE(log.delivered.size() == 1);
  CHECK(log.body(0) == "now");
  CHECK(log.delivered[0].attempts == 4); // attempts survive the restart
  CHECK(state().deferred.size() == 1);
  advance(20s);
  CHECK(log.delivered.size() == 1);
  advance(11s);
  REQUIRE(log.delivered.size() == 2);
  CHECK(log.body(1) == "later");
}
