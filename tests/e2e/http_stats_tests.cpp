// /stats and /metrics against the real binary: counters after a known
// sequence of PUB / FIN / REQ / timeout, the full JSON schema (every field
// nsqd emits, in order), filters, null vs [], the text layout.
#include "e2e/http_client.hpp"
#include "e2e/nsqd_process.hpp"
#include "e2e/raw_client.hpp"
#include "e2e/stats_probe.hpp"

#include <nlohmann/json.hpp>

#include <thread>

using namespace e2e;
using ojson = nlohmann::ordered_json;

namespace {

std::vector<std::string> keys_of(const ojson& j) {
  std::vector<std::string> out;
  for (auto& [k, v] : j.items())
    out.push_back(k);
  return out;
}

ojson stats_json(http_client& h, const std::string& query = "") {
  auto a = h.request("GET", "/stats?format=json" + query);
  REQUIRE(a.status == 200);
  CHECK(a.header("content-type") == "application/json; charset=utf-8");
  return ojson::parse(a.body);
}

// Every field nsqd v1.3.0 emits (reference §13.7), in its order.
const std::vector<std::string> top_keys = {"version", "health", "start_time",
                                           "topics",  "memory", "producers"};
const std::vector<std::string> topic_keys = {
    "topic_name",    "channels",      "depth",  "backend_depth",
    "message_count", "message_bytes", "paused", "e2e_processing_latency"};
const std::vector<std::string> channel_keys = {
    "channel_name",   "depth",         "backend_depth", "in_flight_count",
    "deferred_count", "message_count", "requeue_count", "timeout_count",
    "client_count",   "clients",       "paused",        "e2e_processing_latency"};
const std::vector<std::string> client_keys = {"client_id",
                                              "hostname",
                                              "version",
                                              "remote_address",
                                              "state",
                                              "ready_count",
                                              "in_flight_count",
                                              "message_count",
                                              "finish_count",
                                              "requeue_count",
                                              "connect_ts",
                                              "sample_rate",
                                              "deflate",
                                              "snappy",
                                              "user_agent",
                                              "tls",
                                              "tls_cipher_suite",
                                              "tls_version",
                                              "tls_negotiated_protocol",
                                              "tls_negotiated_protocol_is_mutual"};
const std::vector<std::string> memory_keys = {
    "heap_objects",        "heap_idle_bytes",   "heap_in_use_bytes",
    "heap_released_bytes", "gc_pause_usec_100", "gc_pause_usec_99",
    "gc_pause_usec_95",    "next_gc_bytes",     "gc_total_runs"};

std::vector<std::string> with_pub_counts(std::vector<std::string> keys) {
  keys.insert(keys.begin() + 15, "pub_counts");
  return keys;
}

} // namespace

TEST_CASE("HTTP /stats: counters after PUB, FIN, REQ and a timeout") {
  nsqd_process nsqd{{"--e2e-processing-latency-percentile=1.0,0.5"}};
  http_client h{nsqd.http_port()};
  auto c = subscriber(nsqd.port(), "st", "ch", -1,
                      R"({"client_id":"cid","hostname":"hn","user_agent":"probe/1",)"
                      R"("msg_timeout":1000})");
  c.send("RDY 2\n");
  raw_client p{nsqd.port()};
  for (auto body : {"a", "bb", "ccc"}) {
    p.send(pub("st", body));
    expect_ok(p);
  }
  auto m1 = c.read_message();
  auto m2 = c.read_message();
  c.send("FIN " + m1.id + "\n");
  auto m3 = c.read_message();
  c.send("REQ " + m2.id + " 60000\n");
  auto again = c.read_message(std::chrono::seconds(5)); // m3 timed out after 1 s
  CHECK(again.id == m3.id);
  CHECK(again.attempts == 2);
  c.send("NOP\n");

  auto s = stats_json(h);
  CHECK(s["version"] == "1.3.0");
  CHECK(s["health"] == "OK");
  REQUIRE(s["topics"].size() == 1);
  auto& t = s["topics"][0];
  CHECK(t["topic_name"] == "st");
  CHECK(t["depth"] == 0);
  CHECK(t["message_count"] == 3);
  CHECK(t["message_bytes"] == 6);
  REQUIRE(t["channels"].size() == 1);
  auto& ch = t["channels"][0];
  CHECK(ch["depth"] == 0);
  CHECK(ch["in_flight_count"] == 1);
  CHECK(ch["deferred_count"] == 1);
  CHECK(ch["message_count"] == 3);
  CHECK(ch["requeue_count"] == 1);
  CHECK(ch["timeout_count"] == 1);
  CHECK(ch["client_count"] == 1);
  CHECK(ch["e2e_processing_latency"]["count"] == 1); // one FIN
  CHECK(ch["e2e_processing_latency"]["percentiles"][0]["quantile"] == 1);
  CHECK(ch["e2e_processing_latency"]["percentiles"][0]["value"].get<double>() > 0);
  CHECK(t["e2e_processing_latency"]["count"] == 1);
  REQUIRE(ch["clients"].size() == 1);
  auto& cl = ch["clients"][0];
  CHECK(cl["client_id"] == "cid");
  CHECK(cl["hostname"] == "hn");
  CHECK(cl["version"] == "V2");
  CHECK(cl["user_agent"] == "probe/1");
  CHECK(cl["state"] == 3);
  CHECK(cl["ready_count"] == 2);
  CHECK(cl["in_flight_count"] == 1);
  CHECK(cl["message_count"] == 4);
  CHECK(cl["finish_count"] == 1);
  CHECK(cl["requeue_count"] == 1);
  CHECK(cl["remote_address"].get<std::string>().rfind("127.0.0.1:", 0) == 0);
  REQUIRE(s["producers"].size() == 1);
  auto& pr = s["producers"][0];
  CHECK(pr["state"] == 0);
  CHECK(pr["pub_counts"] == ojson::parse(R"([{"topic":"st","count":3}])"));
}

TEST_CASE("HTTP /stats: the JSON schema lists every field nsqd emits, in order") {
  nsqd_process nsqd;
  http_client h{nsqd.http_port()};
  auto c = subscriber(nsqd.port(), "sch", "ch", 1);
  publish(nsqd.port(), "sch", {"x"});
  raw_client producer{nsqd.port()};
  producer.send(pub("sch", "y"));
  expect_ok(producer);
  c.read_message();
  auto s = stats_json(h);
  CHECK(keys_of(s) == top_keys);
  CHECK(keys_of(s["memory"]) == memory_keys);
  REQUIRE(s["topics"].size() == 1);
  CHECK(keys_of(s["topics"][0]) == topic_keys);
  REQUIRE(s["topics"][0]["channels"].size() == 1);
  auto& ch = s["topics"][0]["channels"][0];
  CHECK(keys_of(ch) == channel_keys);
  REQUIRE(ch["clients"].size() == 1);
  CHECK(keys_of(ch["clients"][0]) == client_keys);
  CHECK(keys_of(ch["e2e_processing_latency"]) ==
        std::vector<std::string>{"count", "percentiles"});
  CHECK(ch["e2e_processing_latency"]["percentiles"].is_null()); // none configured
  REQUIRE(s["producers"].is_array());
  REQUIRE_FALSE(s["producers"].empty());
  CHECK(keys_of(s["producers"][0]) == with_pub_counts(client_keys));
  CHECK(keys_of(s["producers"][0]["pub_counts"][0]) ==
        std::vector<std::string>{"topic", "count"});
}

TEST_CASE("HTTP /stats: filters and null vs []") {
  nsqd_process nsqd;
  http_client h{nsqd.http_port()};
  auto empty = stats_json(h);
  CHECK(empty["topics"].is_array());
  CHECK(empty["topics"].empty());
  CHECK(empty["producers"].is_null());
  h.request("POST", "/topic/create?topic=a");
  h.request("POST", "/topic/create?topic=b");
  h.request("POST", "/channel/create?topic=b&channel=c1");
  h.request("POST", "/channel/create?topic=b&channel=c2");
  auto all = stats_json(h);
  REQUIRE(all["topics"].size() == 2);
  CHECK(all["topics"][0]["topic_name"] == "a"); // sorted by name
  CHECK(all["topics"][0]["channels"].is_array());
  CHECK(all["topics"][0]["channels"].empty());
  CHECK(all["topics"][1]["channels"][0]["clients"].is_array());
  CHECK(stats_json(h, "&topic=nope")["topics"].is_null());
  auto one = stats_json(h, "&topic=b&channel=c2");
  REQUIRE(one["topics"].size() == 1);
  REQUIRE(one["topics"][0]["channels"].size() == 1);
  CHECK(one["topics"][0]["channels"][0]["channel_name"] == "c2");
  auto by_channel = stats_json(h, "&channel=zzz");
  CHECK(by_channel["topics"].is_array());
  CHECK(by_channel["topics"].empty());
  auto lean = stats_json(h, "&include_clients=false&include_mem=0");
  CHECK(lean.find("memory") == lean.end());
  CHECK(lean["topics"][1]["channels"][0]["clients"].is_null());
  CHECK(lean["topics"][1]["channels"][0]["client_count"] == 0);
  CHECK(lean["producers"].is_null());
}

TEST_CASE("HTTP /stats: text format") {
  nsqd_process nsqd;
  http_client h{nsqd.http_port()};
  auto none = h.request("GET", "/stats?include_mem=false");
  REQUIRE(none.status == 200);
  CHECK(none.body.rfind("nsqd v1.3.0 (built w/", 0) == 0);
  CHECK(none.body.find("\nstart_time ") != std::string::npos);
  CHECK(none.body.find("\nuptime ") != std::string::npos);
  CHECK(none.body.find("\n\nHealth: OK\n\nTopics: None\n\nProducers: None\n") !=
        std::string::npos);
  auto c = subscriber(nsqd.port(), "tx", "ch", 1);
  raw_client p{nsqd.port()};
  p.send(pub("tx", "m"));
  expect_ok(p);
  c.read_message();
  h.request("POST", "/topic/pause?topic=tx");
  auto text = h.request("GET", "/stats").body;
  CHECK(text.find("\nMemory:\n   heap_objects             \t") != std::string::npos);
  CHECK(text.find("\nTopics:\n*P [tx             ] depth: 0     be-depth: 0     msgs: 1"
                  "        e2e%: \n") != std::string::npos);
  CHECK(
      text.find("      [ch                       ] depth: 0     be-depth: 0     inflt: 1"
                "    def: 0    re-q: 0     timeout: 0     msgs: 1        e2e%: \n") !=
      std::string::npos);
  CHECK(text.find("] state: 3 inflt: 1    rdy: 1    fin: 0        re-q: 0        msgs: 1"
                  "        connected: ") != std::string::npos);
  CHECK(text.find("\nProducers:\n   [V2 ") != std::string::npos);
  CHECK(text.find("msgs: 1        topics: tx=1 connected: ") != std::string::npos);
}

TEST_CASE("HTTP /metrics: Prometheus text with the /stats figures") {
  nsqd_process nsqd;
  http_client h{nsqd.http_port()};
  auto c = subscriber(nsqd.port(), "mx", "ch", 0);
  raw_client p{nsqd.port()}; // producers are listed while connected
  p.send(mpub("mx", {"a", "b"}));
  expect_ok(p);
  // OK can come before the topic handed the batch to its channel (publish
  // credit): read until the channel holds both, bounded.
  const std::string depth_line = "nsqd_channel_depth{topic=\"mx\",channel=\"ch\"} 2\n";
  auto a = h.request("GET", "/metrics");
  probe::eventually(
      [&] {
        if (a.status != 200 || a.body.find(depth_line) != std::string::npos)
          return true;
        a = h.request("GET", "/metrics");
        return false;
      },
      std::chrono::seconds(5));
  REQUIRE(a.status == 200);
  CHECK(a.header("content-type") == "text/plain; version=0.0.4; charset=utf-8");
  auto& m = a.body;
  CHECK(m.find("# TYPE nsqd_topic_messages_total counter\n") != std::string::npos);
  CHECK(m.find("nsqd_topic_messages_total{topic=\"mx\"} 2\n") != std::string::npos);
  CHECK(m.find("nsqd_channel_depth{topic=\"mx\",channel=\"ch\"} 2\n") !=
        std::string::npos);
  CHECK(m.find("nsqd_channel_clients{topic=\"mx\",channel=\"ch\"} 1\n") !=
        std::string::npos);
  CHECK(m.find("nsqd_up{version=\"1.3.0\",health=\"OK\"} 1\n") != std::string::npos);
  CHECK(m.find("nsqd_producer_published_total{") != std::string::npos);
}
