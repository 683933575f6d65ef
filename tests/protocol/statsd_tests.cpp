// The statsd formatter (reference §15.9): prefix expansion, line names,
// types and order, counter deltas, exclusion of ephemeral names, packing.

#include "protocol/statsd.hpp"

#include <catch2/catch.hpp>

using namespace nsq;

namespace {

channel_stats channel(std::string name, uint64_t msgs) {
  channel_stats c;
  c.channel_name = std::move(name);
  c.message_count = msgs;
  c.depth = 2;
  c.backend_depth = 1;
  c.in_flight_count = 3;
  c.deferred_count = 4;
  c.requeue_count = 5;
  c.timeout_count = 6;
  c.client_count = 7;
  return c;
}

topic_stats topic(std::string name, uint64_t msgs,
                  std::vector<channel_stats> chans = {}) {
  topic_stats t;
  t.topic_name = std::move(name);
  t.message_count = msgs;
  t.message_bytes = msgs * 10;
  t.depth = 8;
  t.backend_depth = 9;
  t.channels = std::move(chans);
  return t;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (auto& l : lines)
    out += l;
  return out;
}

} // namespace

TEST_CASE("statsd prefix: %s becomes the host key, a dot is appended") {
  CHECK(expand_statsd_prefix("nsq.%s", "my.host", 64151) == "nsq.my_host_64151.");
  CHECK(expand_statsd_prefix("nsq.%s.", "127.0.0.1", 4151) == "nsq.127_0_0_1_4151.");
  CHECK(expand_statsd_prefix("a.%s.b.%s", "h", 1) == "a.h_1.b.h_1.");
  CHECK(expand_statsd_prefix("plain", "h", 1) == "plain.");
  CHECK(expand_statsd_prefix("", "h", 1) == "");
  // net.JoinHostPort brackets an IPv6 host; brackets survive, colons do not.
  CHECK(expand_statsd_prefix("%s", "::1", 4151) == "[__1]_4151.");
}

TEST_CASE("statsd lines: names, types and order of one topic and channel") {
  statsd_snapshot now;
  now.topics = {topic("t", 4, {channel("c", 4)})};
  auto lines = statsd_lines(now, {}, {"p.", false});
  CHECK(joined(lines) == "p.topic.t.message_count:4|c\n"
                         "p.topic.t.message_bytes:40|c\n"
                         "p.topic.t.depth:8|g\n"
                         "p.topic.t.backend_depth:9|g\n"
                         "p.topic.t.channel.c.message_count:4|c\n"
                         "p.topic.t.channel.c.depth:2|g\n"
                         "p.topic.t.channel.c.backend_depth:1|g\n"
                         "p.topic.t.channel.c.in_flight_count:3|g\n"
                         "p.topic.t.channel.c.deferred_count:4|g\n"
                         "p.topic.t.channel.c.requeue_count:5|c\n"
                         "p.topic.t.channel.c.timeout_count:6|c\n"
                         "p.topic.t.channel.c.clients:7|g\n");
  CHECK(lines.size() == 12); // one line each
}

TEST_CASE("statsd lines: topics and channels sorted by name") {
  statsd_snapshot now;
  now.topics = {topic("b", 0, {channel("z", 0), channel("a", 0)}), topic("a", 0)};
  auto lines = statsd_lines(now, {}, {"", false});
  std::vector<std::string> firsts;
  for (auto& l : lines)
    if (l.find("message_count") != std::string::npos)
      firsts.push_back(l.substr(0, l.find(':')));
  CHECK(firsts == std::vector<std::string>{"topic.a.message_count",
                                           "topic.b.message_count",
                                           "topic.b.channel.a.message_count",
                                           "topic.b.channel.z.message_count"});
}

TEST_CASE("statsd lines: counters are deltas since the previous push, gauges are not") {
  statsd_snapshot before;
  before.topics = {topic("t", 4, {channel("c", 4)})};
  statsd_snapshot now;
  now.topics = {topic("t", 10, {channel("c", 9), channel("new", 2)})};
  now.topics[0].channels[0].requeue_count = 8; // was 5
  now.topics[0].channels[0].timeout_count = 6; // unchanged
  auto text = joined(statsd_lines(now, before, {"", false}));
  CHECK(text.find("topic.t.message_count:6|c\n") != std::string::npos);
  CHECK(text.find("topic.t.message_bytes:60|c\n") != std::string::npos);
  CHECK(text.find("topic.t.depth:8|g\n") != std::string::npos);
  CHECK(text.find("topic.t.channel.c.message_count:5|c\n") != std::string::npos);
  CHECK(text.find("topic.t.channel.c.requeue_count:3|c\n") != std::string::npos);
  CHECK(text.find("topic.t.channel.c.timeout_count:0|c\n") != std::string::npos);
  CHECK(text.find("topic.t.channel.c.clients:7|g\n") != std::string::npos);
  // A channel new since the last push reports its totals.
  CHECK(text.find("topic.t.channel.new.message_count:2|c\n") != std::string::npos);
  CHECK(text.find("topic.t.channel.new.requeue_count:5|c\n") != std::string::npos);
}

TEST_CASE("statsd lines: a recreated topic's smaller total gives a negative delta") {
  statsd_snapshot before;
  before.topics = {topic("t", 10)};
  statsd_snapshot now;
  now.topics = {topic("t", 3)};
  auto text = joined(statsd_lines(now, before, {"", false}));
  CHECK(text.find("topic.t.message_count:-7|c\n") != std::string::npos);
}

TEST_CASE("statsd lines: e2e percentile gauges after the depths") {
  latency_stats l;
  l.configured = true;
  l.percentiles = {{1.0, 2500.9}, {0.99, 1200}, {0.5, 0}};
  statsd_snapshot now;
  now.topics = {topic("t", 0, {channel("c", 0)})};
  now.topics[0].e2e = l;
  now.topics[0].channels[0].e2e = l;
  auto lines = statsd_lines(now, {}, {"", false});
  REQUIRE(lines.size() == 4 + 3 + 8 + 3);
  CHECK(lines[4] == "topic.t.e2e_processing_latency_100:2500|g\n");
  CHECK(lines[5] == "topic.t.e2e_processing_latency_99:1200|g\n");
  CHECK(lines[6] == "topic.t.e2e_processing_latency_50:0|g\n");
  CHECK(lines[7] == "topic.t.channel.c.message_count:0|c\n");
  CHECK(lines[15] == "topic.t.channel.c.e2e_processing_latency_100:2500|g\n");
  CHECK(lines[17] == "topic.t.channel.c.e2e_processing_latency_50:0|g\n");
}

TEST_CASE(
    "statsd lines: --statsd-exclude-ephemeral skips #ephemeral topics and channels") {
  statsd_snapshot now;
  now.topics = {topic("t", 1, {channel("c#ephemeral", 1), channel("d", 1)}),
                topic("e#ephemeral", 1, {channel("c", 1)})};
  auto kept = joined(statsd_lines(now, {}, {"", true}));
  CHECK(kept.find("ephemeral") == std::string::npos);
  CHECK(kept.find("topic.t.channel.d.depth") != std::string::npos);
  auto all = joined(statsd_lines(now, {}, {"", false}));
  CHECK(all.find("topic.t.channel.c#ephemeral.depth:2|g\n") != std::string::npos);
  CHECK(all.find("topic.e#ephemeral.depth:8|g\n") != std::string::npos);
}

TEST_CASE("statsd lines: memory last, gc_runs a counter delta") {
  statsd_snapshot now;
  now.topics = {topic("t", 0)};
  memory_stats m;
  m.heap_objects = 1;
  m.heap_idle_bytes = 2;
  m.heap_in_use_bytes = 3;
  m.heap_released_bytes = 4;
  m.gc_pause_usec_100 = 5;
  m.gc_pause_usec_99 = 6;
  m.gc_pause_usec_95 = 7;
  m.next_gc_bytes = 8;
  m.gc_total_runs = 10;
  now.memory = m;
  statsd_snapshot before;
  before.memory = memory_stats{};
  before.memory->gc_total_runs = 4;
  auto lines = statsd_lines(now, before, {"x.", false});
  REQUIRE(lines.size() == 4 + 9);
  std::vector<std::string> mem(lines.begin() + 4, lines.end());
  CHECK(mem == std::vector<std::string>{
                   "x.mem.heap_objects:1|g\n", "x.mem.heap_idle_bytes:2|g\n",
                   "x.mem.heap_in_use_bytes:3|g\n", "x.mem.heap_released_bytes:4|g\n",
                   "x.mem.gc_pause_usec_100:5|g\n", "x.mem.gc_pause_usec_99:6|g\n",
                   "x.mem.gc_pause_usec_95:7|g\n", "x.mem.next_gc_bytes:8|g\n",
                   "x.mem.gc_runs:6|c\n"});
  // Without memory figures (--statsd-mem-stats=false) no mem.* line.
  now.memory.reset();
  CHECK(joined(statsd_lines(now, before, {"x.", false})).find("mem.") ==
        std::string::npos);
}

TEST_CASE("statsd packing: lines are never split, datagrams stay within the size") {
  std::vector<std::string> lines = {"aaaa\n", "bbbb\n", "cc\n", "dddddddd\n", "e\n"};
  // 5 + 5 = 10 fits exactly; "cc\n" would make 13, "cc\ndddddddd\n" 12.
  auto d = pack_datagrams(lines, 10);
  CHECK(d == std::vector<std::string>{"aaaa\nbbbb\n", "cc\n", "dddddddd\n", "e\n"});
  CHECK(pack_datagrams(lines, 12) ==
        std::vector<std::string>{"aaaa\nbbbb\n", "cc\ndddddddd\n", "e\n"});
  // One byte less: nothing pairs up except the short tail.
  CHECK(pack_datagrams(lines, 9) ==
        std::vector<std::string>{"aaaa\n", "bbbb\ncc\n", "dddddddd\n", "e\n"});
  // A line longer than the limit travels alone (nsqd's bufio writes it through).
  CHECK(pack_datagrams({"ab\n", "0123456789\n", "cd\n"}, 4) ==
        std::vector<std::string>{"ab\n", "0123456789\n", "cd\n"});
  CHECK(pack_datagrams({}, 508).empty());
}

TEST_CASE("statsd packing: a realistic push at 508 bytes keeps every line whole") {
  statsd_snapshot now;
  for (int i = 0; i < 20; ++i)
    now.topics.push_back(topic("topic" + std::to_string(i), 100, {channel("ch", 50)}));
  auto lines = statsd_lines(now, {}, {"nsq.host_4151.", false});
  auto grams = pack_datagrams(lines, 508);
  std::string all;
  for (auto& g : grams) {
    CHECK(g.size() <= 508);
    CHECK(g.back() == '\n');
    all += g;
  }
  CHECK(all == joined(lines));
  CHECK(grams.size() > 1);
}
