#include "protocol/go_json.hpp"
#include "protocol/quantiles.hpp"
#include "protocol/stats.hpp"

#include <catch2/catch.hpp>

using namespace nsq;

namespace {

client_stats sample_client() {
  client_stats c;
  c.client_id = "cid";
  c.hostname = "hn";
  c.remote_address = "127.0.0.1:51516";
  c.state = 3;
  c.ready_count = 1;
  c.in_flight_count = 1;
  c.message_count = 4;
  c.requeue_count = 1;
  c.connect_ts = 1795667178;
  c.user_agent = "probe/1";
  return c;
}

latency_stats zero_latency() {
  latency_stats l;
  l.configured = true;
  l.percentiles = {{1.0, 0}, {0.99, 0}, {0.5, 0}};
  return l;
}

stats_report observed_report() {
  stats_report r;
  r.version = "1.3.0";
  r.health = "OK";
  r.start_time_ns = 1795667124LL * 1000000000;
  topic_stats t;
  t.topic_name = "tmo";
  t.message_count = 1;
  t.message_bytes = 1;
  t.e2e = zero_latency();
  channel_stats c;
  c.channel_name = "ch";
  c.in_flight_count = 1;
  c.message_count = 1;
  c.requeue_count = 1;
  c.timeout_count = 2;
  c.client_count = 1;
  c.clients.push_back(sample_client());
  c.e2e = zero_latency();
  t.channels.push_back(c);
  r.topics.push_back(t);
  client_stats p;
  p.client_id = "127.0.0.1";
  p.hostname = "127.0.0.1";
  p.remote_address = "127.0.0.1:51508";
  p.connect_ts = 1795667178;
  p.pub_counts.push_back({"tmo", 1});
  r.producers.push_back(p);
  return r;
}

} // namespace

TEST_CASE("stats JSON matches nsqd's observed answer byte for byte") {
  // Reference §13.7's example with memory left out (include_mem=false).
  auto json = render_stats_json(observed_report());
  CHECK(
      json ==
      R"({"version":"1.3.0","health":"OK","start_time":1795667124,"topics":[{"topic_name":"tmo","channels":[{"channel_name":"ch","depth":0,"backend_depth":0,"in_flight_count":1,"deferred_count":0,"message_count":1,"requeue_count":1,"timeout_count":2,"client_count":1,"clients":[{"client_id":"cid","hostname":"hn","version":"V2","remote_address":"127.0.0.1:51516","state":3,"ready_count":1,"in_flight_count":1,"message_count":4,"finish_count":0,"requeue_count":1,"connect_ts":1795667178,"sample_rate":0,"deflate":false,"snappy":false,"user_agent":"probe/1","tls":false,"tls_cipher_suite":"","tls_version":"","tls_negotiated_protocol":"","tls_negotiated_protocol_is_mutual":false}],"paused":false,"e2e_processing_latency":{"count":0,"percentiles":[{"quantile":1,"value":0},{"quantile":0.99,"value":0},{"quantile":0.5,"value":0}]}}],"depth":0,"backend_depth":0,"message_count":1,"message_bytes":1,"paused":false,"e2e_processing_latency":{"count":0,"percentiles":[{"quantile":1,"value":0},{"quantile":0.99,"value":0},{"quantile":0.5,"value":0}]}}],"producers":[{"client_id":"127.0.0.1","hostname":"127.0.0.1","version":"V2","remote_address":"127.0.0.1:51508","state":0,"ready_count":0,"in_flight_count":0,"message_count":0,"finish_count":0,"requeue_count":0,"connect_ts":1795667178,"sample_rate":0,"deflate":false,"snappy":false,"user_agent":"","pub_counts":[{"topic":"tmo","count":1}],"tls":false,"tls_cipher_suite":"","tls_version":"","tls_negotiated_protocol":"","tls_negotiated_protocol_is_mutual":false}]})");
}

TEST_CASE("stats JSON: null vs [] and the memory key") {
  stats_report r;
  r.version = "1.3.0";
  r.health = "OK";
  CHECK(
      render_stats_json(r) ==
      R"({"version":"1.3.0","health":"OK","start_time":0,"topics":[],"producers":null})");
  r.topics_null = true;
  r.memory = memory_stats{};
  CHECK(
      render_stats_json(r) ==
      R"({"version":"1.3.0","health":"OK","start_time":0,"topics":null,"memory":{"heap_objects":0,"heap_idle_bytes":0,"heap_in_use_bytes":0,"heap_released_bytes":0,"gc_pause_usec_100":0,"gc_pause_usec_99":0,"gc_pause_usec_95":0,"next_gc_bytes":0,"gc_total_runs":0},"producers":null})");
  channel_stats c;
  c.clients_included = false;
  topic_stats t;
  t.channels.push_back(c);
  auto json =
      render_stats_json(stats_report{"", "", "", 0, 0, false, {t}, {}, false, {}});
  CHECK(json.find(R"("clients":null)") != std::string::npos);
  CHECK(json.find(R"("percentiles":null)") != std::string::npos);
}

TEST_CASE("stats text matches nsqd's layout") {
  auto r = observed_report();
  r.banner = "nsqd v1.3.0 (built w/go1.19.8)";
  r.now_ns = r.start_time_ns + 62838159011LL;
  r.topics[0].channels[0].clients[0].connect_ts = 1795667124 + 61;
  r.topics[0].channels[0].clients[0].user_agent = "";
  r.topics[0].channels[0].clients[0].hostname = "127.0.0.1";
  r.producers[0].connect_ts = 1795667124 + 61;
  r.producers[0].pub_counts[0] = {"dq", 2};
  r.producers[0].remote_address = "127.0.0.1:35478";
  auto text = render_stats_text(r);
  auto expected =
      "nsqd v1.3.0 (built w/go1.19.8)\n"
      "start_time " +
      rfc3339_local(1795667124) +
      "\n"
      "uptime 1m2.838159011s\n"
      "\n"
      "Health: OK\n"
      "\n"
      "Topics:\n"
      "   [tmo            ] depth: 0     be-depth: 0     msgs: 1        e2e%: "
      "0.0ns, 0.0ns, 0.0ns\n"
      "      [ch                       ] depth: 0     be-depth: 0     inflt: 1  "
      "  def: 0    re-q: 1     timeout: 2     msgs: 1        e2e%: 0.0ns, 0.0ns, "
      "0.0ns\n"
      "        [V2 127.0.0.1:51516      ] state: 3 inflt: 1    rdy: 1    fin: 0  "
      "      re-q: 1        msgs: 4        connected: 1s\n"
      "\n"
      "Producers:\n"
      "   [V2 127.0.0.1:35478      ] msgs: 2        topics: dq=2 connected: 1s\n";
  CHECK(text == expected);
}

TEST_CASE("Go duration and float spellings") {
  CHECK(go_duration_string(0) == "0s");
  CHECK(go_duration_string(250000000) == "250ms");
  CHECK(go_duration_string(1500) == "1.5\xc2\xb5s");
  CHECK(go_duration_string(999) == "999ns");
  CHECK(go_duration_string(65LL * 1000000000) == "1m5s");
  CHECK(go_duration_string(3600LL * 1000000000 + 500000000) == "1h0m0.5s");
  CHECK(json_float(1.0) == "1");
  CHECK(json_float(0.99) == "0.99");
  CHECK(json_float(1234567.0) == "1234567");
  CHECK(json_float(1e21) == "1e+21");
  CHECK(json_float(1e-7) == "1e-7");
  CHECK(json_string("a<b>&\"\n\x01") == R"("a\u003cb\u003e\u0026\"\n\u0001")");
  CHECK(json_string("\xff") == R"("\ufffd")");
}

TEST_CASE("latency window: percentiles over the window, halves rotate out") {
  latency_window w{2000}; // halves of 1000 ns
  for (int i = 1; i <= 100; ++i)
    w.add(10, i * 1.0);
  auto s = summarize_latency(w.snapshot(20), {1.0, 0.5});
  CHECK(s.count == 100);
  REQUIRE(s.percentiles.size() == 2);
  CHECK(s.percentiles[0].value == 100);
  CHECK(s.percentiles[1].value == 50);
  CHECK(summarize_latency(w.snapshot(1500), {1.0}).count == 100); // previous half
  CHECK(summarize_latency(w.snapshot(5000), {1.0}).count == 0);   // both gone
  auto none = summarize_latency({}, {});
  CHECK_FALSE(none.configured);
  CHECK(render_latency_json(none) == R"({"count":0,"percentiles":null})");
}

TEST_CASE("latency window keeps a bounded sample however many FINs") {
  latency_window w;
  for (int i = 0; i < 100000; ++i)
    w.add(1, 5.0);
  auto parts = w.snapshot(2);
  size_t kept = 0;
  for (auto& p : parts)
    kept += p.samples.size();
  CHECK(kept <= 2 * latency_window::reservoir_size);
  CHECK(summarize_latency(parts, {0.99}).count == 100000);
}
