// Restarts on the same data directory: queues, in-flight and deferred messages
// survive SIGTERM, deferred messages keep their delay, and topics, channels and
// paused flags come back from nsqd.dat.
#include "e2e/durability_support.hpp"
#include "e2e/nsqd_process.hpp"

#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <thread>

using namespace e2e;
using namespace e2e::durability;

namespace {

std::string numbered(const std::string& prefix, int i) {
  return prefix + std::to_string(i);
}

std::vector<std::string> numbered_range(const std::string& prefix, int from, int to) {
  std::vector<std::string> out;
  for (int i = from; i < to; ++i)
    out.push_back(numbered(prefix, i));
  return out;
}

void mpub_ok(raw_client& c, const std::string& topic,
             const std::vector<std::string>& bodies) {
  c.send(mpub(topic, bodies));
  expect_ok(c);
}

} // namespace

TEST_CASE("durability: SIGTERM keeps queued, in-flight and deferred messages") {
  data_dir dir;
  const std::vector<std::string> flags{"--mem-queue-size=20", "--msg-timeout=60s"};
  const int queued = 2000;
  const int held = 30;
  const int deferred = 10;
  {
    nsqd_process first{dir, flags};
    auto consumer = subscriber(first.port(), "dur", "ch", 0);
    raw_client producer{first.port()};
    for (int i = 0; i < queued; i += 100)
      mpub_ok(producer, "dur", numbered_range("q", i, i + 100));
    consumer.send("RDY " + std::to_string(held) + "\n");
    std::set<std::string> in_flight;
    for (int i = 0; i < held; ++i)
      in_flight.insert(consumer.read_message().body);
    CHECK(in_flight.size() == static_cast<size_t>(held));
    for (int i = 0; i < deferred; ++i) {
      producer.send(dpub("dur", 1500, numbered("d", i)));
      expect_ok(producer);
    }
    INFO("server log:\n" << first.log());
    CHECK(eventually(
        [&] {
          auto c = channel_stats(stats(first.http_port()), "dur", "ch");
          return !c.is_null() && c["in_flight_count"] == held &&
                 c["deferred_count"] == deferred;
        },
        5s));
    CHECK(first.stop() == 0);
  }
  CHECK(std::filesystem::exists(dir.path() + "/nsqd.dat"));

  nsqd_process second{dir, flags};
  INFO("server log after restart:\n" << second.log());
  auto got = drain(second.port(), "dur", "ch", queued + deferred, 15s, 500ms);
  std::vector<std::string> missing, duplicated;
  for (int i = 0; i < queued; ++i)
    if (got.count[numbered("q", i)] == 0)
      missing.push_back(numbered("q", i));
  for (int i = 0; i < deferred; ++i)
    if (got.count[numbered("d", i)] == 0)
      missing.push_back(numbered("d", i));
  for (auto& [body, n] : got.count)
    if (n > 1)
      duplicated.push_back(body);
  INFO("missing: " << missing.size() << (missing.empty() ? "" : " first " + missing[0]));
  INFO("duplicated: " << duplicated.size()
                      << (duplicated.empty() ? "" : " first " + duplicated[0]));
  CHECK(missing.empty());
  CHECK(duplicated.empty());
  CHECK(got.total == static_cast<size_t>(queued + deferred));
  // The messages in flight at shutdown were delivered once before: attempts 2.
  int held_seen_twice = 0;
  for (auto& [body, attempts] : got.attempts)
    if (attempts == 2)
      ++held_seen_twice;
  CHECK(held_seen_twice == held);
  CHECK(second.stop() == 0);
}

TEST_CASE("durability: a deferred message keeps its delay across a restart") {
  data_dir dir;
  auto t0 = std::chrono::steady_clock::now();
  {
    nsqd_process first{dir, {}};
    auto hp = first.http_port();
    REQUIRE(http(hp, "POST", "/topic/create?topic=dly").status == 200);
    REQUIRE(http(hp, "POST", "/channel/create?topic=dly&channel=ch").status == 200);
    {
      raw_client producer{first.port()};
      producer.send(dpub("dly", 6000, "late"));
      expect_ok(producer);
    }
    CHECK(eventually(
        [&] {
          auto c = channel_stats(stats(first.http_port()), "dly", "ch");
          return !c.is_null() && c["deferred_count"] == 1;
        },
        5s));
    CHECK(first.stop() == 0);
  }
  nsqd_process second{dir, {}};
  INFO("server log after restart:\n" << second.log());
  // Restored as deferred, not as ready to deliver (nsqd drops the delay). Until
  // the channel has read its disk record back, /stats shows it in `depth`; the
  // read may finish after the listening line, so wait for it (bounded, well
  // inside the delay's 6 s).
  json c;
  CHECK(eventually(
      [&] {
        c = channel_stats(stats(second.http_port()), "dly", "ch");
        return !c.is_null() && c["deferred_count"] == 1;
      },
      4s));
  REQUIRE(!c.is_null());
  CHECK(c["deferred_count"] == 1);
  CHECK(c["depth"] == 0);
  auto consumer = subscriber(second.port(), "dly", "ch", 1);
  frame f;
  // Heartbeats (every 30 s) cannot arrive within this wait.
  auto status = consumer.try_read(f, 15s);
  auto arrived = std::chrono::steady_clock::now();
  REQUIRE(status == read_status::frame);
  auto m = parse_message(f);
  CHECK(m.body == "late");
  CHECK(m.attempts == 1);
  // Never before its due time (6 s after the DPUB, which came after t0).
  CHECK(arrived - t0 >= 6s - 50ms);
  CHECK(second.stop() == 0);
}

TEST_CASE("durability: topics, channels and paused flags come back after a restart") {
  data_dir dir;
  {
    nsqd_process first{dir, {}};
    auto hp = first.http_port();
    for (auto target :
         {"/topic/create?topic=md_plain", "/channel/create?topic=md_plain&channel=c1",
          "/channel/create?topic=md_plain&channel=c2",
          "/channel/pause?topic=md_plain&channel=c2", "/topic/create?topic=md_paused",
          "/channel/create?topic=md_paused&channel=cp", "/topic/pause?topic=md_paused",
          "/topic/create?topic=md_lonely"}) {
      INFO(target);
      CHECK(http(hp, "POST", target).status == 200);
    }
    // Ephemeral topics and channels are not persisted.
    auto eph = subscriber(first.port(), "md_plain", "eph#ephemeral", 0);
    auto eph_topic = subscriber(first.port(), "md_gone#ephemeral", "c", 0);
    CHECK(first.stop() == 0);
  }
  {
    std::ifstream in(dir.path() + "/nsqd.dat");
    REQUIRE(in.good());
    std::string text((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
    INFO("nsqd.dat: " << text);
    auto meta = json::parse(text, nullptr, false);
    REQUIRE(!meta.is_discarded());
    CHECK(meta["version"] == "1.3.0");
    REQUIRE(meta["topics"].is_array());
    std::map<std::string, json> topics;
    for (auto& t : meta["topics"])
      topics[t["name"].get<std::string>()] = t;
    CHECK(topics.size() == 3);
    CHECK(topics.count("md_gone#ephemeral") == 0);
    CHECK(topics["md_lonely"]["channels"].is_null());
    CHECK(topics["md_paused"]["paused"] == true);
    CHECK(topics["md_plain"]["paused"] == false);
    CHECK(topics["md_plain"]["channels"].size() == 2); // eph#ephemeral excluded
  }

  nsqd_process second{dir, {}};
  INFO("server log after restart:\n" << second.log());
  auto hp = second.http_port();
  auto s = stats(hp);
  INFO("stats: " << s.dump());
  REQUIRE(!topic_stats(s, "md_plain").is_null());
  REQUIRE(!topic_stats(s, "md_paused").is_null());
  REQUIRE(!topic_stats(s, "md_lonely").is_null());
  CHECK(topic_stats(s, "md_gone#ephemeral").is_null());
  CHECK(topic_stats(s, "md_plain")["paused"] == false);
  CHECK(topic_stats(s, "md_paused")["paused"] == true);
  REQUIRE(!channel_stats(s, "md_plain", "c1").is_null());
  REQUIRE(!channel_stats(s, "md_plain", "c2").is_null());
  REQUIRE(!channel_stats(s, "md_paused", "cp").is_null());
  CHECK(channel_stats(s, "md_plain", "eph#ephemeral").is_null());
  CHECK(channel_stats(s, "md_plain", "c1")["paused"] == false);
  CHECK(channel_stats(s, "md_plain", "c2")["paused"] == true);

  // Pre-created channels without consumers receive what is published now.
  publish(second.port(), "md_plain", {"after-0", "after-1", "after-2"});
  publish(second.port(), "md_paused", {"held"});
  CHECK(eventually([&] { return channel_total(hp, "md_plain", "c1") == 3; }, 5s));
  CHECK(eventually([&] { return channel_total(hp, "md_plain", "c2") == 3; }, 5s));
  auto got = drain(second.port(), "md_plain", "c1", 3, 5s);
  CHECK(got.total == 3);
  CHECK(got.count["after-0"] == 1);
  CHECK(got.count["after-2"] == 1);
  // The paused channel holds its messages until unpaused.
  auto paused = subscriber(second.port(), "md_plain", "c2", 10);
  CHECK(paused.silent_for(300ms));
  CHECK(http(hp, "POST", "/channel/unpause?topic=md_plain&channel=c2").status == 200);
  CHECK(paused.read_message().body == "after-0");
  // The paused topic keeps the message in the topic.
  auto t = topic_stats(stats(hp), "md_paused");
  CHECK(t["depth"] == 1);
  CHECK(channel_total(hp, "md_paused", "cp") == 0);
  CHECK(second.stop() == 0);
}

TEST_CASE(
    "durability: PUBs acknowledged on publish credit survive a SIGTERM mid-stream") {
  // Default --mem-queue-size: every producer gets publish credit, so its OKs
  // leave before the topic has the message; the topic must still have every
  // acknowledged one when it persists at shutdown.
  data_dir dir;
  const int producers = 4;
  std::vector<std::vector<std::string>> acked(producers);
  {
    nsqd_process first{dir, {}};
    std::vector<std::unique_ptr<raw_client>> clients;
    for (int p = 0; p < producers; ++p)
      clients.push_back(std::make_unique<raw_client>(first.port()));
    std::vector<std::thread> threads;
    for (int p = 0; p < producers; ++p)
      threads.emplace_back([&, p] { // no test assertions off the main thread
        auto& c = *clients[static_cast<size_t>(p)];
        for (int i = 0; i < 200000; ++i) {
          auto body = "p" + std::to_string(p) + "-" + std::to_string(i);
          frame f;
          if (!c.try_send(pub("credit", body)) ||
              c.try_read(f, 5s) != read_status::frame || f.raw != ok_frame)
            return;
          acked[static_cast<size_t>(p)].push_back(body);
        }
      });
    std::this_thread::sleep_for(300ms);
    CHECK(first.stop() == 0);
    for (auto& t : threads)
      t.join();
  }
  size_t total = 0;
  for (auto& a : acked)
    total += a.size();
  INFO("acknowledged: " << total);
  REQUIRE(total > 0);
  nsqd_process second{dir, {}};
  INFO("server log after restart:\n" << second.log());
  auto got = drain(second.port(), "credit", "ch", total, 10s, 300ms);
  std::vector<std::string> missing;
  for (auto& a : acked)
    for (auto& body : a)
      if (got.count[body] == 0)
        missing.push_back(body);
  INFO("missing: " << missing.size() << (missing.empty() ? "" : " first " + missing[0]));
  CHECK(missing.empty());
  CHECK(second.stop() == 0);
}
