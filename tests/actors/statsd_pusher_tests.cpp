// The statsd pusher on the test clock: when it pushes, how it spreads the
// datagrams over interval − 1 s, counter deltas across pushes, a failed dial,
// and the flush on exit. Sockets and stats are fakes; no time passes.

#include "actors/statsd_pusher.hpp"
#include "fixture.hpp"

#include <catch2/catch.hpp>

#include <chrono>

using namespace nsq;
using namespace std::chrono_literals;

namespace {

/// What the fake sockets saw: each datagram with the test-clock time it left.
struct udp_record {
  caf::scheduler::test_coordinator* sched = nullptr;
  int dials = 0;
  bool fail_dial = false;
  std::vector<std::pair<caf::timespan, std::string>> sent;
  uint64_t topic_messages = 0; ///< what the fake stats source reports

  caf::timespan now() const { return sched->clock().now().time_since_epoch(); }
};

struct recording_socket : datagram_socket {
  explicit recording_socket(udp_record* r) : rec(r) {}
  void send(const std::string& d) override { rec->sent.emplace_back(rec->now(), d); }
  udp_record* rec;
};

struct pusher_fixture : test::actor_fixture {
  udp_record rec;
  caf::timespan start;

  pusher_fixture() {
    rec.sched = &sched;
    start = rec.now();
  }

  // The exit each test sends is handled here, while `rec` still exists (the
  // pusher flushes into it).
  ~pusher_fixture() { sched.run(); }

  statsd_config config(caf::timespan interval, size_t packet_size) {
    statsd_config c;
    c.address = "127.0.0.1:8125";
    c.prefix = "p.";
    c.interval = interval;
    c.mem_stats = false;
    c.packet_size = packet_size;
    auto* r = &rec;
    c.dial = [r](const std::string&,
                 std::string& err) -> std::unique_ptr<datagram_socket> {
      ++r->dials;
      if (r->fail_dial) {
        err = "refused";
        return nullptr;
      }
      return std::make_unique<recording_socket>(r);
    };
    c.source = [r](caf::actor to, uint64_t push) {
      topic_stats t;
      t.topic_name = "t";
      t.message_count = r->topic_messages;
      channel_stats ch;
      ch.channel_name = "c";
      ch.depth = 3;
      t.channels.push_back(ch);
      caf::anon_send(to, statsd_stats_atom::value, push, std::vector<topic_stats>{t});
    };
    c.memory = [] { return memory_stats{}; };
    return c;
  }

  std::string all_sent() const {
    std::string out;
    for (auto& s : rec.sent)
      out += s.second;
    return out;
  }
};

} // namespace

TEST_CASE_METHOD(pusher_fixture,
                 "statsd pusher: first push one interval after start, "
                 "datagrams spread over interval - 1s",
                 "[statsd]") {
  auto p = spawn_statsd_pusher(sys, config(11s, 64), false);
  rec.topic_messages = 5;
  advance(10s);
  CHECK(rec.dials == 0);
  advance(1s);
  REQUIRE(rec.dials == 1);
  // 12 lines of 20..40 bytes at 64 bytes per datagram: one or two per datagram.
  REQUIRE(rec.sent.size() == 1); // the first leaves at once
  for (int i = 0; i < 105; ++i)  // 10.5 s in 100 ms steps: before the next push
    advance(100ms);
  auto n = static_cast<int64_t>(rec.sent.size());
  REQUIRE(n > 4);
  CHECK(rec.dials == 1);
  auto step = caf::timespan{10s} / n;
  for (int64_t i = 0; i < n; ++i) {
    auto& [at, gram] = rec.sent[static_cast<size_t>(i)];
    CHECK(gram.size() <= 64);
    CHECK(gram.back() == '\n');
    // In its own slot (the test clock moves in 100 ms steps).
    CHECK(at - start >= 11s + step * i);
    CHECK(at - start < 11s + step * i + 100ms);
  }
  CHECK(all_sent().find("p.topic.t.message_count:5|c\n") != std::string::npos);
  CHECK(all_sent().find("p.topic.t.channel.c.depth:3|g\n") != std::string::npos);
  caf::anon_send_exit(p, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(pusher_fixture, "statsd pusher: counters are deltas between pushes",
                 "[statsd]") {
  auto p = spawn_statsd_pusher(sys, config(1s, 508), false);
  rec.topic_messages = 5;
  advance(1s);
  CHECK(all_sent().find("p.topic.t.message_count:5|c\n") != std::string::npos);
  rec.sent.clear();
  rec.topic_messages = 12;
  advance(1s);
  CHECK(all_sent().find("p.topic.t.message_count:7|c\n") != std::string::npos);
  CHECK(all_sent().find("p.topic.t.channel.c.depth:3|g\n") != std::string::npos);
  caf::anon_send_exit(p, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(pusher_fixture,
                 "statsd pusher: an interval of 1 s sends everything at once",
                 "[statsd]") {
  auto p = spawn_statsd_pusher(sys, config(1s, 40), false);
  advance(1s);
  REQUIRE(rec.sent.size() > 3);
  for (auto& s : rec.sent)
    CHECK(s.first - start == 1s);
  caf::anon_send_exit(p, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(pusher_fixture,
                 "statsd pusher: a failed dial skips the push, "
                 "the next deltas count from the last push sent",
                 "[statsd]") {
  auto p = spawn_statsd_pusher(sys, config(1s, 508), false);
  rec.topic_messages = 5;
  advance(1s);
  rec.sent.clear();
  rec.fail_dial = true;
  rec.topic_messages = 8;
  advance(1s);
  CHECK(rec.dials == 2);
  CHECK(rec.sent.empty());
  rec.fail_dial = false;
  rec.topic_messages = 10;
  advance(1s);
  CHECK(all_sent().find("p.topic.t.message_count:5|c\n") != std::string::npos);
  caf::anon_send_exit(p, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(pusher_fixture,
                 "statsd pusher: exit sends the waiting datagrams at once", "[statsd]") {
  auto p = spawn_statsd_pusher(sys, config(60s, 40), false);
  advance(60s);
  REQUIRE(rec.sent.size() == 1);
  caf::anon_send_exit(p, caf::exit_reason::user_shutdown);
  sched.run();
  CHECK(rec.sent.size() > 3);
  CHECK(rec.sent.back().first - start == 60s);
  CHECK(!is_alive(p));
}

TEST_CASE_METHOD(pusher_fixture, "statsd pusher: memory lines only with mem stats",
                 "[statsd]") {
  auto cfg = config(1s, 508);
  cfg.mem_stats = true;
  cfg.memory = [] {
    memory_stats m;
    m.heap_in_use_bytes = 4096;
    return m;
  };
  auto p = spawn_statsd_pusher(sys, cfg, false);
  advance(1s);
  auto text = all_sent();
  CHECK(text.find("p.mem.heap_in_use_bytes:4096|g\n") != std::string::npos);
  CHECK(text.find("p.mem.gc_runs:0|c\n") != std::string::npos);
  CHECK(text.rfind("p.mem.gc_runs:0|c\n") == text.size() - 18); // memory last
  caf::anon_send_exit(p, caf::exit_reason::user_shutdown);
}
