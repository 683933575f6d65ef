// nsqd's HTTP API against the real binary over loopback: every endpoint,
// every error body, routing rules, limits and malformed requests.
#include "e2e/http_client.hpp"
#include "e2e/nsqd_process.hpp"
#include "e2e/raw_client.hpp"

#include <nlohmann/json.hpp>

using namespace e2e;

namespace {

const std::string json_type = "application/json; charset=utf-8";

void expect_error(const http_answer& a, int status, const std::string& message) {
  INFO("body: " << a.body);
  CHECK(a.status == status);
  CHECK(a.body == R"({"message":")" + message + R"("})");
  CHECK(a.header("content-type") == json_type);
  CHECK(a.header("x-nsq-content-type") == "nsq; version=1.0");
}

void expect_ok_text(const http_answer& a) {
  INFO("body: " << a.body);
  CHECK(a.status == 200);
  CHECK(a.body == "OK");
}

void expect_empty_ok(const http_answer& a) {
  INFO("body: " << a.body);
  CHECK(a.status == 200);
  CHECK(a.body.empty());
  CHECK(a.header("content-length") == "0");
}

std::string bin32(uint32_t v) {
  return be32(v);
}

} // namespace

TEST_CASE("HTTP: /ping and /info") {
  nsqd_process nsqd{{"--broadcast-address=bcast.example"}};
  REQUIRE(nsqd.http_port() != 0);
  http_client h{nsqd.http_port()};
  auto ping = h.request("GET", "/ping");
  CHECK(ping.status == 200);
  CHECK(ping.body == "OK");
  CHECK(ping.header("x-nsq-content-type").empty()); // a PlainText endpoint
  auto info = h.request("GET", "/info");
  REQUIRE(info.status == 200);
  CHECK(info.header("content-type") == json_type);
  auto j = nlohmann::ordered_json::parse(info.body);
  std::vector<std::string> keys;
  for (auto& [k, v] : j.items())
    keys.push_back(k);
  CHECK(keys == std::vector<std::string>{
                    "version", "broadcast_address", "hostname", "http_port", "tcp_port",
                    "start_time", "max_heartbeat_interval", "max_output_buffer_size",
                    "max_output_buffer_timeout", "max_deflate_level"});
  CHECK(j["version"] == "1.3.0");
  CHECK(j["broadcast_address"] == "bcast.example");
  CHECK(j["http_port"] == nsqd.http_port());
  CHECK(j["tcp_port"] == nsqd.port());
  CHECK(j["max_heartbeat_interval"] == 60000000000LL);
  CHECK(j["max_output_buffer_timeout"] == 30000000000LL);
}

TEST_CASE("HTTP: /pub errors in nsqd's order") {
  nsqd_process nsqd{{"--max-msg-size=10"}};
  http_client h{nsqd.http_port()};
  expect_error(h.request("POST", "/pub?topic=t", "01234567890"), 413, "MSG_TOO_BIG");
  h.close();
  expect_error(h.request("POST", "/pub?topic=t", ""), 400, "MSG_EMPTY");
  expect_error(h.request("POST", "/pub?topic=%zz", "x"), 400, "INVALID_REQUEST");
  expect_error(h.request("POST", "/pub", "x"), 400, "MISSING_ARG_TOPIC");
  expect_error(h.request("POST", "/pub?topic=bad!", "x"), 400, "INVALID_TOPIC");
  expect_error(h.request("POST", "/pub?topic=t&defer=abc", "x"), 400, "INVALID_DEFER");
  expect_error(h.request("POST", "/pub?topic=t&defer=-1", "x"), 400, "INVALID_DEFER");
  expect_error(h.request("POST", "/pub?topic=t&defer=3600001", "x"), 400,
               "INVALID_DEFER");
  auto ok = h.request("POST", "/pub?topic=t", "0123456789");
  expect_ok_text(ok);
  CHECK(ok.header("x-nsq-content-type") == "nsq; version=1.0");
}

TEST_CASE("HTTP: a chunked /pub body over the limit is refused without reading it") {
  nsqd_process nsqd{{"--max-msg-size=10"}};
  http_client h{nsqd.http_port()};
  h.send_raw("POST /pub?topic=t HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
             "20\r\n01234567890123456789012345678901\r\n0\r\n\r\n");
  auto a = h.read_answer();
  expect_error(a, 413, "MSG_TOO_BIG");
  CHECK(a.closed);
}

TEST_CASE("HTTP: /pub over HTTP is consumed over TCP, with defer") {
  nsqd_process nsqd;
  auto c = subscriber(nsqd.port(), "ht", "ch", 10);
  http_client h{nsqd.http_port()};
  std::string body("bin\0ary\nbody", 12);
  expect_ok_text(h.request("POST", "/pub?topic=ht", body));
  auto m = c.read_message();
  CHECK(m.body == body);
  CHECK(m.attempts == 1);
  expect_ok_text(h.request("POST", "/pub?topic=ht&defer=300", "later"));
  CHECK(c.silent_for(std::chrono::milliseconds(100)));
  CHECK(c.read_message().body == "later");
}

TEST_CASE("HTTP: /mpub text and binary, with nsqd's errors") {
  nsqd_process nsqd{{"--max-msg-size=5", "--max-body-size=40"}};
  auto c = subscriber(nsqd.port(), "mt", "ch", 10);
  http_client h{nsqd.http_port()};
  expect_ok_text(h.request("POST", "/mpub?topic=mt", "a\nbb\r\n\nccc\n"));
  CHECK(c.read_message().body == "a");
  CHECK(c.read_message().body == "bb\r");
  CHECK(c.read_message().body == "ccc");
  expect_ok_text(h.request("POST", "/mpub?topic=mt&binary=true",
                           bin32(2) + bin32(1) + "x" + bin32(2) + "yz"));
  CHECK(c.read_message().body == "x");
  CHECK(c.read_message().body == "yz");
  expect_ok_text(h.request("POST", "/mpub?topic=mt", ""));
  expect_error(h.request("POST", "/mpub?topic=mt", "abcdef"), 413, "MSG_TOO_BIG");
  expect_error(h.request("POST", "/mpub?topic=mt&binary=1", "ab"), 413, "BAD_BODY");
  expect_error(h.request("POST", "/mpub?topic=mt&binary=1", bin32(1) + bin32(9) + "x"),
               413, "BAD_MESSAGE");
  expect_error(h.request("POST", "/mpub", "a"), 400, "MISSING_ARG_TOPIC");
  expect_error(h.request("POST", "/mpub?topic=b@d", "a"), 400, "INVALID_TOPIC");
  auto big = h.request("POST", "/mpub?topic=mt", std::string(41, 'a'));
  expect_error(big, 413, "BODY_TOO_BIG");
  CHECK(big.closed);
  CHECK(c.silent_for(std::chrono::milliseconds(100))); // nothing from the failures
}

TEST_CASE("HTTP: routing — 404, 405 with Allow, OPTIONS, redirects, keep-alive") {
  nsqd_process nsqd;
  http_client h{nsqd.http_port()};
  expect_error(h.request("GET", "/nope"), 404, "NOT_FOUND");
  auto a = h.request("GET", "/pub");
  expect_error(a, 405, "METHOD_NOT_ALLOWED");
  CHECK(a.header("allow") == "OPTIONS, POST");
  expect_error(h.request("POST", "/stats"), 405, "METHOD_NOT_ALLOWED");
  auto o = h.request("OPTIONS", "/config/log_level");
  CHECK(o.status == 200);
  CHECK(o.body.empty());
  CHECK(o.header("allow") == "GET, OPTIONS, PUT");
  auto r = h.request("GET", "/ping/");
  CHECK(r.status == 301);
  CHECK(r.header("location") == "/ping");
  auto r2 = h.request("POST", "/Pub?topic=t", "x");
  CHECK(r2.status == 307);
  CHECK(r2.header("location") == "/pub?topic=t");
  // All of the above went over one connection.
  CHECK_FALSE(r2.closed);
  expect_ok_text(h.request("GET", "/ping"));
}

TEST_CASE("HTTP: malformed requests get Go's answers, the server lives on") {
  nsqd_process nsqd;
  {
    http_client h{nsqd.http_port()};
    h.send_raw("THIS IS NOT HTTP\r\n\r\n");
    auto a = h.read_answer();
    CHECK(a.status == 400);
    CHECK(a.closed);
  }
  {
    http_client h{nsqd.http_port()};
    h.send_raw("GET /ping HTTP/1.1\r\nX-Big: " + std::string(2 << 20, 'a') + "\r\n\r\n");
    auto a = h.read_answer();
    CHECK(a.status == 431);
    CHECK(a.closed);
  }
  {
    http_client h{nsqd.http_port()};
    h.send_raw("POST /pub?topic=t HTTP/1.1\r\nContent-Length: abc\r\n\r\nx");
    auto a = h.read_answer();
    CHECK(a.status == 400);
    CHECK(a.closed);
  }
  {
    http_client h{nsqd.http_port()};
    h.send_raw("POST /pub?topic=t HTTP/1.1\r\nContent-Length: 5\r\n\r\nab");
    h.close(); // a client that gives up half way
  }
  // A slow client (half a header, then nothing) holds only its own connection.
  http_client slow{nsqd.http_port()};
  slow.send_raw("GET /ping HTTP/1.1\r\nHost: x\r\n");
  http_client h{nsqd.http_port()};
  expect_ok_text(h.request("GET", "/ping"));
  slow.send_raw("\r\n"); // and is served once its request is complete
  expect_ok_text(slow.read_answer());
  CHECK(nsqd.running());
}

TEST_CASE("HTTP: topic and channel administration errors") {
  nsqd_process nsqd;
  http_client h{nsqd.http_port()};
  expect_error(h.request("POST", "/topic/create"), 400, "MISSING_ARG_TOPIC");
  expect_error(h.request("POST", "/topic/create?topic=%"), 400, "INVALID_REQUEST");
  expect_error(h.request("POST", "/topic/create?topic=a:b"), 400, "INVALID_TOPIC");
  expect_error(h.request("POST", "/topic/delete?topic=none"), 404, "TOPIC_NOT_FOUND");
  expect_error(h.request("POST", "/topic/empty?topic=a:b"), 400, "INVALID_TOPIC");
  expect_error(h.request("POST", "/topic/empty?topic=none"), 404, "TOPIC_NOT_FOUND");
  expect_error(h.request("POST", "/topic/pause?topic=none"), 404, "TOPIC_NOT_FOUND");
  expect_error(h.request("POST", "/channel/create?channel=c"), 400, "MISSING_ARG_TOPIC");
  expect_error(h.request("POST", "/channel/create?topic=a:b&channel=c"), 400,
               "INVALID_ARG_TOPIC");
  expect_error(h.request("POST", "/channel/create?topic=t"), 400, "MISSING_ARG_CHANNEL");
  expect_error(h.request("POST", "/channel/create?topic=t&channel=a:b"), 400,
               "INVALID_ARG_CHANNEL");
  expect_error(h.request("POST", "/channel/create?topic=none&channel=c"), 404,
               "TOPIC_NOT_FOUND");
  expect_empty_ok(h.request("POST", "/topic/create?topic=t"));
  expect_empty_ok(h.request("POST", "/topic/create?topic=t")); // idempotent
  expect_error(h.request("POST", "/channel/delete?topic=t&channel=c"), 404,
               "CHANNEL_NOT_FOUND");
  expect_error(h.request("POST", "/channel/empty?topic=t&channel=c"), 404,
               "CHANNEL_NOT_FOUND");
  expect_error(h.request("POST", "/channel/pause?topic=t&channel=c"), 404,
               "CHANNEL_NOT_FOUND");
  expect_empty_ok(h.request("POST", "/channel/create?topic=t&channel=c"));
  expect_empty_ok(h.request("POST", "/channel/create?topic=t&channel=c"));
  expect_empty_ok(h.request("POST", "/channel/delete?topic=t&channel=c"));
  expect_empty_ok(h.request("POST", "/topic/delete?topic=t"));
  expect_error(h.request("POST", "/topic/delete?topic=t"), 404, "TOPIC_NOT_FOUND");
}

TEST_CASE("HTTP: channel and topic delete close their consumers") {
  nsqd_process nsqd;
  http_client h{nsqd.http_port()};
  auto a = subscriber(nsqd.port(), "dt", "ca", 1);
  auto b = subscriber(nsqd.port(), "dt", "cb", 1);
  auto other = subscriber(nsqd.port(), "keep", "c", 1);
  expect_empty_ok(h.request("POST", "/channel/delete?topic=dt&channel=ca"));
  CHECK(a.closed_within(std::chrono::seconds(5)));
  CHECK(b.silent_for(std::chrono::milliseconds(100)));
  expect_empty_ok(h.request("POST", "/topic/delete?topic=dt"));
  CHECK(b.closed_within(std::chrono::seconds(5)));
  CHECK(other.silent_for(std::chrono::milliseconds(100)));
  // A new topic of the same name starts empty and works.
  expect_ok_text(h.request("POST", "/pub?topic=dt", "again"));
  auto c = subscriber(nsqd.port(), "dt", "cc", 1);
  CHECK(c.read_message().body == "again");
}

TEST_CASE("HTTP: pause holds messages, unpause delivers without a new RDY") {
  nsqd_process nsqd;
  http_client h{nsqd.http_port()};
  auto c = subscriber(nsqd.port(), "pt", "ch", 5);
  expect_empty_ok(h.request("POST", "/channel/pause?topic=pt&channel=ch"));
  expect_ok_text(h.request("POST", "/pub?topic=pt", "m1"));
  CHECK(c.silent_for(std::chrono::milliseconds(200)));
  expect_empty_ok(h.request("POST", "/channel/unpause?topic=pt&channel=ch"));
  CHECK(c.read_message().body == "m1");
  expect_empty_ok(h.request("POST", "/topic/pause?topic=pt"));
  expect_ok_text(h.request("POST", "/pub?topic=pt", "m2"));
  CHECK(c.silent_for(std::chrono::milliseconds(200)));
  auto stats =
      nlohmann::json::parse(h.request("GET", "/stats?format=json&topic=pt").body);
  CHECK(stats["topics"][0]["paused"] == true);
  CHECK(stats["topics"][0]["depth"] == 1);
  expect_empty_ok(h.request("POST", "/topic/unpause?topic=pt"));
  CHECK(c.read_message().body == "m2");
}

TEST_CASE("HTTP: channel empty drops queue and in-flight, clients stay") {
  nsqd_process nsqd;
  http_client h{nsqd.http_port()};
  auto c = subscriber(nsqd.port(), "et", "ch", 1);
  for (auto body : {"a", "b", "c"})
    expect_ok_text(h.request("POST", "/pub?topic=et", body));
  auto m = c.read_message();
  CHECK(m.body == "a");
  expect_empty_ok(h.request("POST", "/channel/empty?topic=et&channel=ch"));
  c.send("FIN " + m.id + "\n");
  expect_nonfatal(c, "E_FIN_FAILED FIN " + m.id + " failed ID not in flight");
  expect_ok_text(h.request("POST", "/pub?topic=et", "d"));
  CHECK(c.read_message().body == "d"); // in-flight was reset: ready again
  // Topic empty clears only what the topic holds (here: while paused).
  expect_empty_ok(h.request("POST", "/topic/pause?topic=et"));
  expect_ok_text(h.request("POST", "/pub?topic=et", "held"));
  expect_empty_ok(h.request("POST", "/topic/empty?topic=et"));
  expect_empty_ok(h.request("POST", "/topic/unpause?topic=et"));
  auto s = nlohmann::json::parse(h.request("GET", "/stats?format=json&topic=et").body);
  CHECK(s["topics"][0]["depth"] == 0);
  CHECK(s["topics"][0]["channels"][0]["depth"] == 0);
}

TEST_CASE("HTTP: /config/:opt") {
  nsqd_process nsqd{{"--mem-queue-size=77"}};
  http_client h{nsqd.http_port()};
  auto a = h.request("GET", "/config/tcp_address");
  CHECK(a.status == 200);
  CHECK(a.body == "127.0.0.1:0"); // the configured value, as nsqd answers
  CHECK(h.request("GET", "/config/mem_queue_size").body == "77");
  CHECK(h.request("GET", "/config/msg_timeout").body == "60000000000");
  CHECK(h.request("GET", "/config/log_level").body == "2");
  CHECK(h.request("GET", "/config/https_address").body == "0.0.0.0:4152");
  CHECK(h.request("GET", "/config/nsqlookupd_tcp_addresses").body == "[]");
  CHECK(h.request("GET", "/config/e2e_processing_latency_window_time").body ==
        "600000000000");
  expect_error(h.request("GET", "/config/nope"), 400, "INVALID_OPTION");
  auto put = h.request("PUT", "/config/log_level", "debug");
  CHECK(put.status == 200);
  CHECK(put.body == "1");
  expect_error(h.request("PUT", "/config/log_level", "loud"), 400, "INVALID_VALUE");
  expect_error(h.request("PUT", "/config/log_level", ""), 413, "INVALID_VALUE");
  expect_error(h.request("PUT", "/config/mem_queue_size", "5"), 400, "INVALID_OPTION");
}

TEST_CASE("HTTP: Expect: 100-continue is answered before the body is sent") {
  nsqd_process nsqd;
  http_client h{nsqd.http_port()};
  h.send_raw("POST /pub?topic=t HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
             "Content-Length: 5\r\n\r\n");
  CHECK(h.read_answer().status == 100);
  h.send_raw("hello");
  expect_ok_text(h.read_answer());
}

TEST_CASE("HTTP: connections that come and go are forgotten, live ones close at stop") {
  // The server keeps its live connections in an id-keyed registry (each
  // removes itself when it ends): accepting is O(1), and stop still closes
  // every connection that is open.
  nsqd_process nsqd;
  auto port = nsqd.http_port();
  for (int round = 0; round < 4; ++round) {
    std::vector<std::unique_ptr<http_client>> gone;
    for (int i = 0; i < 100; ++i) {
      gone.push_back(std::make_unique<http_client>(port));
      CHECK(gone.back()->request("GET", "/ping").status == 200);
    }
  } // closed by the client
  std::vector<std::unique_ptr<http_client>> open;
  for (int i = 0; i < 50; ++i) {
    open.push_back(std::make_unique<http_client>(port));
    CHECK(open.back()->request("GET", "/ping").status == 200);
  }
  // Keep-alive connections still answer after the churn.
  for (auto& c : open)
    CHECK(c->request("GET", "/ping").body == "OK");
  // SIGTERM closes the idle keep-alive connections instead of waiting on them.
  CHECK(nsqd.stop(std::chrono::seconds(5)) == 0);
}
