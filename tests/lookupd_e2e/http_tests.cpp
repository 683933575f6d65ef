// The HTTP API against the real binary: reference §9, §10 (layouts, byte
// for byte) and §17.4; liveness windows with short flags.

#include "e2e/http_client.hpp"
#include "lookupd_e2e/lookup_client.hpp"
#include "lookupd_e2e/lookupd_process.hpp"

#include <thread>

using namespace lookupd_e2e;

namespace {

/// Registers an nsqd like the §10 snapshot: orders{billing,shipping}, events.
void register_snapshot(lookup_client& c) {
  REQUIRE(c.send("  V1" + identify(nsqd_body(44151)) +
                 "REGISTER orders billing\nREGISTER orders shipping\nREGISTER events\n"));
  REQUIRE(c.frame());
  for (int i = 0; i < 3; ++i)
    REQUIRE(c.frame() == "OK");
}

std::string producer(const std::string& id) {
  return R"({"remote_address":")" + id +
         R"(","hostname":"vm","broadcast_address":"127.0.0.1","tcp_port":44150,"http_port":44151,"version":"1.3.0","topology_zone":"","topology_region":"")";
}

} // namespace

TEST_CASE("nsqd's /channels request of reference 17.4", "[lookupd_e2e][http]") {
  lookupd_process d;
  e2e::http_client h(d.http_port());
  auto r = h.request("GET", "/channels?topic=events", "",
                     "Accept: application/vnd.nsq; version=1.0\r\n");
  CHECK(r.status == 200);
  CHECK(r.header("content-type") == "application/json; charset=utf-8");
  CHECK(r.header("x-nsq-content-type") == "nsq; version=1.0");
  CHECK(r.header("content-length") == "15");
  CHECK(r.body == R"({"channels":[]})");
}

TEST_CASE("snapshot of reference 10 over HTTP", "[lookupd_e2e][http]") {
  lookupd_process d;
  lookup_client c(d.tcp_port());
  register_snapshot(c);
  e2e::http_client h(d.http_port());
  auto tomb = h.request("POST", "/topic/tombstone?topic=events&node=127.0.0.1%3A44151");
  CHECK(tomb.status == 200);
  CHECK(tomb.body.empty());
  CHECK(tomb.header("content-type").empty());
  CHECK(tomb.header("x-nsq-content-type") == "nsq; version=1.0");
  CHECK(tomb.header("content-length") == "0");

  auto ping = h.request("GET", "/ping");
  CHECK(ping.body == "OK");
  CHECK(ping.header("content-type") == "text/plain; charset=utf-8");
  CHECK(ping.header("x-nsq-content-type").empty());
  CHECK(h.request("GET", "/info").body == R"({"version":"1.3.0"})");
  CHECK(h.request("GET", "/topics").body == R"({"topics":["events","orders"]})");
  CHECK(h.request("GET", "/channels?topic=orders").body ==
        R"({"channels":["billing","shipping"]})");
  auto id = c.peer_id();
  CHECK(h.request("GET", "/lookup?topic=orders").body ==
        R"({"channels":["billing","shipping"],"producers":[)" + producer(id) + "}]}");
  CHECK(h.request("GET", "/lookup?topic=events").body ==
        R"({"channels":[],"producers":[]})");
  CHECK(h.request("GET", "/nodes").body ==
        R"({"producers":[)" + producer(id) +
            R"(,"tombstones":[true,false],"topics":["events","orders"]}]})");
  auto debug = h.request("GET", "/debug").body;
  CHECK(debug.rfind(R"({"channel:orders:billing":[{"broadcast_address":"127.0.0.1",)",
                    0) == 0);
  CHECK(debug.find(R"("tombstoned":true,"tombstoned_at":)") != std::string::npos);
  CHECK(debug.find(R"("tombstoned_at":-6795364578871345152)") != std::string::npos);
}

TEST_CASE("HTTP errors, methods and redirects", "[lookupd_e2e][http]") {
  lookupd_process d;
  e2e::http_client h(d.http_port());
  struct row {
    const char* method;
    const char* target;
    int status;
    const char* body;
  };
  const row rows[] = {
      {"GET", "/lookup", 400, R"({"message":"MISSING_ARG_TOPIC"})"},
      {"GET", "/lookup?topic=", 404, R"({"message":"TOPIC_NOT_FOUND"})"},
      {"GET", "/lookup?topic=%zz", 400, R"({"message":"INVALID_REQUEST"})"},
      {"GET", "/lookup?topic=orders;x=1", 400, R"({"message":"INVALID_REQUEST"})"},
      {"GET", "/lookup?topic=*", 404, R"({"message":"TOPIC_NOT_FOUND"})"},
      {"GET", "/channels", 400, R"({"message":"MISSING_ARG_TOPIC"})"},
      {"POST", "/lookup?topic=orders", 405, R"({"message":"METHOD_NOT_ALLOWED"})"},
      {"GET", "/topic/create?topic=x", 405, R"({"message":"METHOD_NOT_ALLOWED"})"},
      {"GET", "/nope", 404, R"({"message":"NOT_FOUND"})"},
      {"GET", "/delete_topic", 404, R"({"message":"NOT_FOUND"})"},
      {"POST", "/topic/create", 400, R"({"message":"MISSING_ARG_TOPIC"})"},
      {"POST", "/topic/create?topic=bad!", 400, R"({"message":"INVALID_ARG_TOPIC"})"},
      {"POST", "/channel/create?topic=adm1", 400, R"({"message":"MISSING_ARG_CHANNEL"})"},
      {"POST", "/channel/create?topic=adm1&channel=bad!", 400,
       R"({"message":"INVALID_ARG_CHANNEL"})"},
      {"POST", "/channel/create?topic=bad!&channel=c", 400,
       R"({"message":"INVALID_ARG_TOPIC"})"},
      {"POST", "/channel/delete?topic=adm2&channel=nope", 404,
       R"({"message":"CHANNEL_NOT_FOUND"})"},
      {"POST", "/topic/tombstone?topic=orders", 400, R"({"message":"MISSING_ARG_NODE"})"},
      {"POST", "/topic/tombstone?node=x:1", 400, R"({"message":"MISSING_ARG_TOPIC"})"},
  };
  for (auto& r : rows) {
    INFO(r.method << " " << r.target);
    auto a = h.request(r.method, r.target);
    CHECK(a.status == r.status);
    CHECK(a.body == r.body);
    CHECK(a.header("content-type") == "application/json; charset=utf-8");
    CHECK(a.header("x-nsq-content-type") == "nsq; version=1.0");
  }
  CHECK(h.request("POST", "/lookup").header("allow") == "GET, OPTIONS");
  CHECK(h.request("GET", "/topic/create").header("allow") == "OPTIONS, POST");
  auto opt = h.request("OPTIONS", "/topics");
  CHECK(opt.status == 200);
  CHECK(opt.header("allow") == "GET, OPTIONS");
  auto red = h.request("GET", "/LOOKUP?topic=orders");
  CHECK(red.status == 301);
  CHECK(red.header("location") == "/lookup?topic=orders");
  auto red2 = h.request("POST", "/topic/create/?topic=x");
  CHECK(red2.status == 307);
  CHECK(red2.header("location") == "/topic/create?topic=x");
  // A form body is ignored: parameters come from the query string only.
  CHECK(h.request("POST", "/topic/create", "topic=adm3").status == 400);
  CHECK(h.request("POST", "/channel/create?topic=adm&channel=c").status == 200);
  CHECK(h.request("GET", "/lookup?topic=adm").body ==
        R"({"channels":["c"],"producers":[]})");
  CHECK(h.request("POST", "/topic/delete?topic=adm").status == 200);
  CHECK(h.request("GET", "/topics").body == R"({"topics":[]})");
}

TEST_CASE("short inactive-producer timeout and tombstone lifetime",
          "[lookupd_e2e][http]") {
  // Margins of >= 1 s around each window keep this stable on a loaded machine.
  lookupd_process d({"--inactive-producer-timeout=2s", "-tombstone-lifetime", "500ms"});
  lookup_client c(d.tcp_port());
  register_snapshot(c);
  e2e::http_client h(d.http_port());
  REQUIRE(
      h.request("POST", "/topic/tombstone?topic=events&node=127.0.0.1:44151").status ==
      200);
  CHECK(h.request("GET", "/lookup?topic=events").body ==
        R"({"channels":[],"producers":[]})");
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  CHECK(h.request("GET", "/lookup?topic=events").body.find(c.peer_id()) !=
        std::string::npos);
  CHECK(h.request("GET", "/nodes").body.find("\"tombstones\":[false,false]") !=
        std::string::npos);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500)); // > 2 s since IDENTIFY
  CHECK(h.request("GET", "/nodes").body == R"({"producers":[]})");
  CHECK(h.request("GET", "/lookup?topic=orders").body ==
        R"({"channels":["billing","shipping"],"producers":[]})");
  CHECK(h.request("GET", "/debug").body.find(c.peer_id()) != std::string::npos);
  REQUIRE(c.send("PING\n"));
  REQUIRE(c.frame() == "OK");
  CHECK(h.request("GET", "/nodes").body.find(c.peer_id()) != std::string::npos);
}
