// Durability of topics with their disk queues, on the test scheduler (disk
// workers not detached): health on write errors, DPUB delays on disk,
// draining into channels exactly once, memory bounded when writes fail, and
// publish credit across an exit or a failed write.

#include "tests/actors/durability_fixture.hpp"

#include <catch2/catch.hpp>

#include <chrono>

using namespace std::chrono_literals;
using namespace nsq;
using namespace nsq::test;

TEST_CASE_METHOD(durability_fixture,
                 "topic PUB fails when the disk write fails and health follows the "
                 "last write",
                 "[durability]") {
  config->mem_queue_size = 1;
  auto dir = path + "/missing";
  auto topic = spawn_topic(sys, "t", config, context({}, dir), storage::topic_metadata{});
  to_stop.push_back(topic);
  sched.run();
  CHECK(ask_string(topic, publish_atom::value, std::vector<std::string>{"a"},
                   caf::timespan{0}) == ""); // memory
  auto failed = ask_string(topic, publish_atom::value, std::vector<std::string>{"b"},
                           caf::timespan{0});
  CHECK_FALSE(failed.empty());
  CHECK(failed != "<error>");
  REQUIRE_FALSE(health.empty());
  CHECK_FALSE(health.back().empty());
  CHECK(state_of<topic_state>(topic).message_count == 1);
  // Space returns (here: the directory appears); the next write succeeds.
  std::filesystem::create_directory(dir);
  CHECK(ask_string(topic, publish_atom::value, std::vector<std::string>{"c"},
                   caf::timespan{0}) == "");
  REQUIRE_FALSE(health.empty());
  CHECK(health.back().empty());
  CHECK(state_of<topic_state>(topic).disk.depth() == 1);
}

TEST_CASE_METHOD(durability_fixture, "topic holds a DPUB on disk with its relative delay",
                 "[durability]") {
  config->mem_queue_size = 0;
  auto topic = spawn_topic(sys, "t", config, context(), storage::topic_metadata{});
  to_stop.push_back(topic);
  sched.run();
  CHECK(ask_string(topic, publish_atom::value, std::vector<std::string>{"d"},
                   caf::timespan{5s}) == "");
  caf::anon_send_exit(topic, caf::exit_reason::user_shutdown);
  sched.run();
  auto records = records_of("t");
  REQUIRE(records.size() == 1);
  CHECK(records[0].deliver_at == -std::chrono::nanoseconds(5s).count());
}

TEST_CASE_METHOD(durability_fixture,
                 "a topic drains its disk queue into a channel exactly once",
                 "[durability]") {
  config->mem_queue_size = 5;
  auto topic = spawn_topic(sys, "t", config, context(), storage::topic_metadata{});
  to_stop.push_back(topic);
  sched.run();
  std::vector<std::string> bodies;
  for (int i = 0; i < 200; ++i)
    bodies.push_back("m" + std::to_string(i));
  CHECK(ask_string(topic, publish_atom::value, bodies, caf::timespan{0}) == "");
  auto c = ask_actor(topic, get_channel_atom::value, std::string{"c"});
  REQUIRE(c);
  to_stop.push_back(c);
  sched.run();
  auto& cs = state_of<channel_state>(c);
  CHECK(cs.message_count == 200);
  CHECK(cs.queue.size() + cs.disk.depth() == 200);
  CHECK(state_of<topic_state>(topic).held.empty());
  CHECK(state_of<topic_state>(topic).disk.depth() == 0);
}

TEST_CASE_METHOD(durability_fixture,
                 "a topic with a disk backlog and an active consumer delivers every "
                 "message exactly once",
                 "[durability]") {
  config->mem_queue_size = 20;
  auto topic = spawn_topic(sys, "t", config, context(), storage::topic_metadata{});
  to_stop.push_back(topic);
  sched.run();
  auto c = ask_actor(topic, get_channel_atom::value, std::string{"c"});
  REQUIRE(c);
  to_stop.push_back(c);
  consumer_log log;
  auto con = consumer(c, log);
  subscribe(con);
  // 20 MPUBs of 100 while the channel's memory is full: the topic holds and
  // spills, the channel spills. Publishers wait for each reply, as sessions do.
  int next = 0;
  for (int b = 0; b < 20; ++b) {
    std::vector<std::string> bodies;
    for (int i = 0; i < 100; ++i)
      bodies.push_back("q" + std::to_string(next++));
    REQUIRE(ask_string(topic, publish_atom::value, bodies, caf::timespan{0}) == "");
  }
  caf::anon_send(con, ready_atom::value, int64_t{30});
  sched.run();
  auto& cs = state_of<channel_state>(c);
  auto& ts = state_of<topic_state>(topic);
  CHECK(log.delivered.size() == 30);
  // The consumer drains the channel: the topic keeps the rest on its disk
  // rather than have the channel write it behind its own backlog and read it
  // back (the channel does not want it: wants_atom). The channel's disk holds
  // at most what the topic had read already (a read of 64) beyond its memory.
  CHECK_FALSE(ts.channels.at("c").wants);
  CHECK(cs.disk.depth() + cs.disk.writing() + cs.spill.size() <= 64 + 20);
  CHECK(ts.disk.depth() > 1000);
  CHECK(cs.message_count + ts.held.size() + ts.disk.depth() == 2000);
  // DPUBs behind that backlog: the topic hands it all over now, so their
  // delay starts at once (it must not wait for the consumer).
  for (int i = 0; i < 10; ++i)
    REQUIRE(ask_string(topic, publish_atom::value,
                       std::vector<std::string>{"d" + std::to_string(i)},
                       caf::timespan{1500ms}) == "");
  sched.run();
  CHECK(ts.message_count == 2010);
  CHECK(cs.message_count == 2010);
  CHECK(cs.deferred.size() == 10);
  CHECK(log.delivered.size() == 30);
  CHECK(cs.queue.size() + cs.disk.depth() + cs.disk.writing() + cs.spill.size() +
            cs.in_flight.size() ==
        2000);
  // Drain everything: each body arrives exactly once.
  std::set<std::string> seen;
  // FIN in windows of 30 until nothing more arrives (deferred ones after 1.5 s).
  size_t finished = 0;
  for (int round = 0; round < 1000 && log.delivered.size() < 2010; ++round) {
    std::vector<message_id> ids;
    for (; finished < log.delivered.size(); ++finished)
      ids.push_back(log.id(finished));
    caf::anon_send(con, finish_atom::value, id_batch{ids});
    advance(ids.empty() ? 2s : 1ms);
  }
  sched.run();
  CHECK(log.delivered.size() == 2010);
  for (size_t i = 0; i < log.delivered.size(); ++i)
    CHECK(seen.insert(log.body(i)).second);
  CHECK(seen.size() == 2010);
  CHECK(cs.message_count == 2010);
}

TEST_CASE_METHOD(durability_fixture,
                 "a channel whose disk write fails keeps the topic's credit for what "
                 "it put back in memory",
                 "[durability][disk_fault]") {
  config->mem_queue_size = 10;
  make_channel(context({}, path + "/missing")); // every write fails
  enqueue(1, 10);
  CHECK(state().queue.size() == 10);
  CHECK(drained == 10); // within the bound: the topic may send more
  enqueue(11, 10);      // beyond it: spilled, the write fails, back in memory
  CHECK(state().queue.size() == 20);
  REQUIRE_FALSE(health.empty());
  CHECK_FALSE(health.back().empty());
  // Nothing of the second batch is stored anywhere but in memory: the topic
  // must go on counting it, or it forwards without limit.
  CHECK(drained == 10);
  consumer_log log;
  auto c = consumer(ch, log);
  subscribe(c);
  caf::anon_send(c, ready_atom::value, int64_t{15});
  sched.run();
  REQUIRE(log.delivered.size() == 15);
  CHECK(state().queue.size() == 5);
  CHECK(drained == 15); // 5 of the put-back ones left memory: their credit returns
  caf::anon_send(c, ready_atom::value, int64_t{20});
  sched.run();
  REQUIRE(log.delivered.size() == 20);
  CHECK(drained == 20);
}

TEST_CASE_METHOD(durability_fixture,
                 "when every disk write fails, a topic's memory stays bounded and PUBs "
                 "beyond it fail",
                 "[durability][disk_fault]") {
  config->mem_queue_size = 10;
  auto topic = spawn_topic(sys, "t", config, context({}, path + "/missing"),
                           storage::topic_metadata{});
  to_stop.push_back(topic);
  sched.run();
  auto c = ask_actor(topic, get_channel_atom::value, std::string{"c"});
  REQUIRE(c);
  to_stop.push_back(c);
  sched.run();
  int acked = 0;
  int failed = 0;
  for (int b = 0; b < 100; ++b) {
    std::vector<std::string> bodies;
    for (int i = 0; i < 10; ++i)
      bodies.push_back("b" + std::to_string(b) + "-" + std::to_string(i));
    auto answer = ask_string(topic, publish_atom::value, bodies, caf::timespan{0});
    REQUIRE(answer != "<error>");
    (answer.empty() ? acked : failed) += 1;
  }
  sched.run();
  auto& cs = state_of<channel_state>(c);
  auto& ts = state_of<topic_state>(topic);
  INFO("acknowledged " << acked << " MPUBs of 10, failed " << failed
                       << "; channel memory " << cs.queue.size() << ", topic memory "
                       << ts.held.size());
  // Memory: the channel's bound, plus what the topic's credit lets it send
  // beyond (one bound), plus the topic's own bound.
  CHECK(cs.queue.size() <= 20);
  CHECK(ts.held.size() <= 10);
  CHECK(acked <= 3);
  CHECK(failed >= 97); // nsqd's E_PUB_FAILED: the message cannot be stored
}

namespace {

/// Stands in for a publishing session that has sent `bodies` on credit just
/// before the topic's exit reached it: it answers the revoke only after them.
caf::behavior late_publisher(caf::event_based_actor* self, int, caf::actor topic,
                             std::vector<std::string> bodies) {
  return {
      [=](pub_grant_atom, uint64_t) {},
      [=](const std::string&) {}, // the publish's reply
      [=](pub_revoke_atom) {
        self->send(topic, pub_credited_atom::value, body_batch::of(bodies),
                   caf::timespan{0});
        self->send(topic, pub_return_atom::value);
      },
  };
}

} // namespace

TEST_CASE_METHOD(durability_fixture,
                 "an exit waits for credit to come back and persists what was sent on it",
                 "[durability][credit]") {
  config->mem_queue_size = 800;
  auto topic = spawn_topic(sys, "t", config, context(), storage::topic_metadata{});
  to_stop.push_back(topic);
  sched.run();
  auto pub = sys.spawn(late_publisher, 0, topic, std::vector<std::string>{"c1", "c2"});
  to_stop.push_back(pub);
  // The publisher's first publish earns it credit.
  caf::send_as(pub, topic, publish_atom::value, body_batch::of({"first"}),
               caf::timespan{0}, pub_grant_atom::value);
  sched.run();
  REQUIRE(state_of<topic_state>(topic).credit.held_by(pub.address()) == 100);
  caf::anon_send_exit(topic, caf::exit_reason::user_shutdown);
  sched.run();
  CHECK_FALSE(is_alive(topic));
  auto records = records_of("t");
  REQUIRE(records.size() == 3);
  CHECK(records[0].message.body == "first");
  CHECK(records[1].message.body == "c1");
  CHECK(records[2].message.body == "c2");
}

TEST_CASE_METHOD(
    durability_fixture,
    "messages sent on credit whose disk write fails stay in memory, not lost",
    "[durability][credit][disk_fault]") {
  config->mem_queue_size = 80; // credit window 10
  auto topic = spawn_topic(sys, "t", config, context({}, path + "/missing"),
                           storage::topic_metadata{});
  to_stop.push_back(topic);
  sched.run();
  auto pub = sys.spawn(late_publisher, 0, topic, std::vector<std::string>{});
  to_stop.push_back(pub);
  caf::send_as(pub, topic, publish_atom::value, body_batch::of({"first"}),
               caf::timespan{0}, pub_grant_atom::value);
  sched.run();
  auto& ts = state_of<topic_state>(topic);
  REQUIRE(ts.credit.held_by(pub.address()) == 10);
  // Memory takes 69 of these (80 - 1 held - 10 promised); 6 go to the disk,
  // whose write is still outstanding when the credited batch arrives: it
  // must go behind them, to the disk, and that write fails too.
  std::vector<std::string> fill;
  for (int i = 0; i < 75; ++i)
    fill.push_back("f" + std::to_string(i));
  caf::anon_send(topic, publish_atom::value, std::move(fill), caf::timespan{0});
  caf::send_as(pub, topic, pub_credited_atom::value, body_batch::of({"c1", "c2", "c3"}),
               caf::timespan{0});
  sched.run();
  // Acknowledged on credit, so kept: 1 + 69 + 3 held, and counted.
  CHECK(ts.held.size() == 73);
  CHECK(ts.message_count == 73);
  consumer_log log;
  read_channel(topic, "c", log, 100);
  std::set<std::string> got;
  for (size_t i = 0; i < log.delivered.size(); ++i)
    got.insert(log.body(i));
  CHECK(got.count("c1") + got.count("c2") + got.count("c3") == 3);
}
