// nsqd as a client of nsqlookupd (reference §16, §11.2, §20.7), against a
// fake nsqlookupd written to the nsqlookupd reference (e2e/fake_lookupd.hpp).
#include "e2e/fake_lookupd.hpp"
#include "e2e/http_client.hpp"
#include "e2e/nsqd_process.hpp"
#include "e2e/raw_client.hpp"
#include "e2e/stats_probe.hpp"

#include <nlohmann/json.hpp>

#include <unistd.h>

using namespace e2e;
using namespace std::chrono_literals;
using strings = std::vector<std::string>;

namespace {

std::string os_hostname() {
  char buf[256] = {};
  ::gethostname(buf, sizeof buf - 1);
  return buf;
}

bool identified(const strings& v) {
  return std::any_of(v.begin(), v.end(),
                     [](const std::string& c) { return c.rfind("IDENTIFY ", 0) == 0; });
}

/// The commands from the last CONNECT on, without PINGs.
strings last_session(const fake_lookupd& l) {
  auto all = l.commands_without_ping();
  auto it = std::find(all.rbegin(), all.rend(), "CONNECT");
  return it == all.rend() ? all : strings(it.base() - 1, all.end());
}

void post(http_client& http, const std::string& target) {
  auto a = http.request("POST", target);
  INFO(target << ": " << a.body);
  REQUIRE(a.status == 200);
}

} // namespace

TEST_CASE("lookupd: the session of §20.7 byte for byte") {
  fake_lookupd lookupd;
  nsqd_process nsqd{{"--lookupd-tcp-address=" + lookupd.address(),
                     "--broadcast-address=bcast.example", "--broadcast-tcp-port=44150",
                     "--broadcast-http-port=44151"}};
  REQUIRE(lookupd.wait_for(identified));
  REQUIRE(nsqd.log_has("): peer info {")); // the coordinator knows its HTTP address
  http_client http{nsqd.http_port()};
  post(http, "/topic/create?topic=lk");
  REQUIRE(lookupd.wait_count("REGISTER lk", 1));
  post(http, "/channel/create?topic=lk&channel=c1");
  REQUIRE(lookupd.wait_count("REGISTER lk c1", 1));
  post(http, "/channel/delete?topic=lk&channel=c1");
  REQUIRE(lookupd.wait_count("UNREGISTER lk c1", 1));
  post(http, "/topic/delete?topic=lk");
  REQUIRE(lookupd.wait_count("UNREGISTER lk", 1));
  strings expected{"CONNECT",
                   "MAGIC   V1",
                   R"(IDENTIFY {"broadcast_address":"bcast.example","hostname":")" +
                       os_hostname() +
                       R"(","http_port":44151,"tcp_port":44150,"version":"1.3.0"})",
                   "REGISTER lk",
                   "REGISTER lk c1",
                   "UNREGISTER lk c1",
                   "UNREGISTER lk"};
  CHECK(lookupd.commands_without_ping() == expected);
  // The topic's creation asked the lookupd's HTTP API for its channels (on a
  // thread of its own: under load it may still be on its way).
  REQUIRE(probe::eventually([&] { return !lookupd.http_requests().empty(); }, 3s));
  auto reqs = lookupd.http_requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].rfind("GET /channels?topic=lk HTTP/1.1\r\n", 0) == 0);
  CHECK(reqs[0].find("Accept: application/vnd.nsq; version=1.0\r\n") !=
        std::string::npos);
  CHECK(reqs[0].find("User-Agent: Go-http-client/1.1\r\n") != std::string::npos);
  // The log is written asynchronously: the last line may still be on its way.
  REQUIRE(probe::eventually(
      [&] {
        return nsqd.log().find("LOOKUPD(" + lookupd.address() +
                               "): channel UNREGISTER lk c1") != std::string::npos;
      },
      3s));
  CHECK(nsqd.log().find("LOOKUP(" + lookupd.address() + "): adding peer") !=
        std::string::npos);
  auto tcp_port = lookupd.address().substr(lookupd.address().find(':') + 1);
  CHECK(nsqd.log().find(
            "LOOKUPD(" + lookupd.address() + "): peer info {TCPPort:" + tcp_port +
            " HTTPPort:" + std::to_string(lookupd.http_port()) +
            " Version:1.3.0 BroadcastAddress:127.0.0.1}") != std::string::npos);
  CHECK(nsqd.log().find("LOOKUPD(" + lookupd.address() + "): topic REGISTER lk") !=
        std::string::npos);
  CHECK(nsqd.log().find("LOOKUPD(" + lookupd.address() + "): channel UNREGISTER lk c1") !=
        std::string::npos);
}

TEST_CASE("lookupd: the broadcast ports default to the bound ones") {
  fake_lookupd lookupd;
  nsqd_process nsqd{
      {"--lookupd-tcp-address=" + lookupd.address(), "--broadcast-address=127.0.0.1"}};
  REQUIRE(lookupd.wait_for(identified));
  auto ident = lookupd.commands()[2];
  CHECK(ident.find(R"("http_port":)" + std::to_string(nsqd.http_port()) + ",") !=
        std::string::npos);
  CHECK(ident.find(R"("tcp_port":)" + std::to_string(nsqd.port()) + ",") !=
        std::string::npos);
  http_client http{nsqd.http_port()};
  CHECK(http.request("GET", "/config/broadcast_tcp_port").body ==
        std::to_string(nsqd.port()));
  CHECK(http.request("GET", "/config/broadcast_http_port").body ==
        std::to_string(nsqd.http_port()));
}

TEST_CASE("lookupd: /info shows the bound ports, /config the broadcast ones") {
  nsqd_process nsqd{{"--broadcast-tcp-port=44150", "--broadcast-http-port=44151",
                     "--broadcast-address=bcast.example"}};
  http_client http{nsqd.http_port()};
  auto info = nlohmann::json::parse(http.request("GET", "/info").body);
  CHECK(info["broadcast_address"] == "bcast.example");
  CHECK(info["tcp_port"] == nsqd.port());
  CHECK(info["http_port"] == nsqd.http_port());
  CHECK(http.request("GET", "/config/broadcast_tcp_port").body == "44150");
  CHECK(http.request("GET", "/config/broadcast_http_port").body == "44151");
  CHECK(http.request("GET", "/config/nsqlookupd_tcp_addresses").body == "[]");
}

TEST_CASE("lookupd: an ephemeral channel's auto-delete unregisters it and its topic") {
  fake_lookupd lookupd;
  nsqd_process nsqd{{"--lookupd-tcp-address=" + lookupd.address()}};
  REQUIRE(lookupd.wait_for(identified));
  {
    auto consumer = subscriber(nsqd.port(), "et#ephemeral", "c#ephemeral", 1);
    REQUIRE(lookupd.wait_count("REGISTER et#ephemeral c#ephemeral", 1));
  }
  REQUIRE(lookupd.wait_count("UNREGISTER et#ephemeral", 1));
  strings tail{"REGISTER et#ephemeral", "REGISTER et#ephemeral c#ephemeral",
               "UNREGISTER et#ephemeral c#ephemeral", "UNREGISTER et#ephemeral"};
  auto all = lookupd.commands_without_ping();
  REQUIRE(all.size() >= 4);
  CHECK(strings(all.end() - 4, all.end()) == tail);
}

TEST_CASE(
    "lookupd: after a lookupd restart the next command reconnects and re-registers") {
  fake_lookupd lookupd;
  nsqd_process nsqd{{"--lookupd-tcp-address=" + lookupd.address()}};
  REQUIRE(lookupd.wait_for(identified));
  http_client http{nsqd.http_port()};
  post(http, "/topic/create?topic=a");
  post(http, "/channel/create?topic=a&channel=ca");
  REQUIRE(lookupd.wait_count("REGISTER a ca", 1));
  lookupd.restart();
  post(http, "/topic/create?topic=b"); // fails on the dead connection, which closes
  REQUIRE(probe::eventually(
      [&] { return nsqd.log().find("REGISTER b - ") != std::string::npos; }, 3s));
  post(http, "/topic/create?topic=c"); // reconnects first
  bool reregistered = lookupd.wait_count("REGISTER c", 2);
  INFO(nsqd.log());
  REQUIRE(reregistered);
  auto session = last_session(lookupd);
  REQUIRE(session.size() == 7);
  CHECK(session[1] == "MAGIC   V1");
  CHECK(session[2].rfind("IDENTIFY {", 0) == 0);
  // The full set (topics in name order), then the command itself again.
  CHECK(strings(session.begin() + 3, session.end()) ==
        strings{"REGISTER a ca", "REGISTER b", "REGISTER c", "REGISTER c"});
}

TEST_CASE("lookupd: every lookupd receives every registration") {
  fake_lookupd one;
  fake_lookupd two;
  nsqd_process nsqd{{"--lookupd-tcp-address=" + one.address(),
                     "--lookupd-tcp-address=" + two.address()}};
  REQUIRE(one.wait_for(identified));
  REQUIRE(two.wait_for(identified));
  // Both HTTP addresses are known only once both answers were read.
  REQUIRE(nsqd.log_count_reaches("): peer info {", 2));
  publish(nsqd.port(), "both", {"m"});
  REQUIRE(one.wait_count("REGISTER both", 1));
  REQUIRE(two.wait_count("REGISTER both", 1));
  // Each lookupd's channels are asked for (the union is created).
  CHECK(probe::eventually([&] { return one.http_requests().size() == 1; }, 10s));
  CHECK(probe::eventually([&] { return two.http_requests().size() == 1; }, 10s));
}

TEST_CASE("lookupd: a black-holed lookupd does not slow publishing or delivery") {
  fake_lookupd hole{true}; // accepts and reads, never answers
  nsqd_process nsqd{{"--lookupd-tcp-address=" + hole.address()}};
  REQUIRE(hole.wait_for([](const strings& v) { return v.size() >= 3; }));
  auto start = std::chrono::steady_clock::now();
  auto consumer = subscriber(nsqd.port(), "slow0", "ch", 100);
  for (int t = 0; t < 10; ++t) // ten topics: ten notifications queue up
    publish(nsqd.port(), "slow" + std::to_string(t), {"a", "b", "c"});
  for (int i = 0; i < 3; ++i)
    consumer.read_message(2s);
  auto took = std::chrono::steady_clock::now() - start;
  CHECK(took < 1500ms); // each lookupd command alone waits out a 1 s deadline
  CHECK(nsqd.log_has("no available nsqlookupd to query for channels to pre-create "
                     "for topic slow1"));
}

TEST_CASE("lookupd: channel discovery creates the lookupd's channels before delivery") {
  fake_lookupd lookupd;
  lookupd.set_channels("disc", {"pre1", "pre2#ephemeral", "pre3"});
  nsqd_process nsqd{{"--lookupd-tcp-address=" + lookupd.address()}};
  REQUIRE(lookupd.wait_for(identified));
  REQUIRE(nsqd.log_has("): peer info {")); // the coordinator knows its HTTP address
  publish(nsqd.port(), "disc", {"first"}); // creates the topic
  auto one = subscriber(nsqd.port(), "disc", "pre1", 1);
  auto three = subscriber(nsqd.port(), "disc", "pre3", 1);
  CHECK(one.read_message().body == "first");
  CHECK(three.read_message().body == "first");
  auto stats = probe::stats(nsqd.http_port());
  CHECK(probe::channel_stats(stats, "disc", "pre2#ephemeral").is_null());
  REQUIRE(lookupd.wait_count("REGISTER disc pre3", 1));
  auto all = lookupd.commands_without_ping();
  CHECK(std::count(all.begin(), all.end(), "REGISTER disc pre2#ephemeral") == 0);
  CHECK(lookupd.http_requests()[0].rfind("GET /channels?topic=disc HTTP/1.1", 0) == 0);
}

TEST_CASE(
    "lookupd: messages published during discovery wait for the discovered channels") {
  fake_lookupd lookupd;
  lookupd.set_channels("held", {"x", "y"});
  lookupd.set_http_delay(700ms);
  nsqd_process nsqd{{"--lookupd-tcp-address=" + lookupd.address()}};
  REQUIRE(lookupd.wait_for(identified));
  REQUIRE(nsqd.log_has("): peer info {")); // the coordinator knows its HTTP address
  auto start = std::chrono::steady_clock::now();
  publish(nsqd.port(), "held", {"m1", "m2", "m3"});        // the topic holds them
  CHECK(std::chrono::steady_clock::now() - start < 500ms); // PUB does not wait
  auto x = subscriber(nsqd.port(), "held", "x", 10);
  auto y = subscriber(nsqd.port(), "held", "y", 10);
  for (auto* c : {&x, &y}) {
    std::vector<std::string> got;
    for (int i = 0; i < 3; ++i)
      got.push_back(c->read_message(3s).body);
    CHECK(got == strings{"m1", "m2", "m3"});
  }
}

TEST_CASE("lookupd: PUT /config/nsqlookupd_tcp_addresses switches peers") {
  fake_lookupd first;
  fake_lookupd second;
  nsqd_process nsqd{{"--lookupd-tcp-address=" + first.address()}};
  REQUIRE(first.wait_for(identified));
  http_client http{nsqd.http_port()};
  post(http, "/topic/create?topic=kept");
  REQUIRE(first.wait_count("REGISTER kept", 1));
  auto got = http.request("GET", "/config/nsqlookupd_tcp_addresses");
  CHECK(got.body == R"([")" + first.address() + R"("])");
  auto put = http.request("PUT", "/config/nsqlookupd_tcp_addresses",
                          R"([")" + second.address() + R"("])");
  CHECK(put.status == 200);
  CHECK(put.body == R"([")" + second.address() + R"("])");
  REQUIRE(second.wait_count("REGISTER kept", 1));
  CHECK(second.commands_without_ping()[2].rfind("IDENTIFY ", 0) == 0);
  REQUIRE(first.wait_count("EOF", 1)); // the removed peer was closed
  CHECK(http.request("GET", "/config/nsqlookupd_tcp_addresses").body ==
        R"([")" + second.address() + R"("])");
  CHECK(http.request("PUT", "/config/nsqlookupd_tcp_addresses", "nope").status == 400);
  CHECK(http.request("PUT", "/config/nsqlookupd_tcp_addresses", "[1]").body ==
        R"({"message":"INVALID_VALUE"})");
  CHECK(http.request("PUT", "/config/nsqlookupd_tcp_addresses", "").status == 413);
  CHECK(nsqd.log_has("LOOKUP(" + first.address() + "): removing peer"));
}

TEST_CASE("lookupd: topics loaded from nsqd.dat register without channel discovery") {
  data_dir dir;
  {
    nsqd_process nsqd{dir, {}};
    http_client http{nsqd.http_port()};
    post(http, "/topic/create?topic=saved");
    post(http, "/channel/create?topic=saved&channel=sc");
    REQUIRE(nsqd.stop() == 0);
  }
  fake_lookupd lookupd;
  nsqd_process nsqd{dir, {"--lookupd-tcp-address=" + lookupd.address()}};
  // Once at connection, once more from the queued creation notices (nsqd).
  REQUIRE(lookupd.wait_count("REGISTER saved sc", 2));
  CHECK(lookupd.commands_without_ping() ==
        strings{"CONNECT", "MAGIC   V1", lookupd.commands()[2], "REGISTER saved sc",
                "REGISTER saved", "REGISTER saved sc"});
  CHECK(lookupd.http_requests().empty());
}

TEST_CASE("lookupd: PING every 15 s on the open connection") {
  fake_lookupd lookupd;
  auto start = std::chrono::steady_clock::now();
  nsqd_process nsqd{{"--lookupd-tcp-address=" + lookupd.address()}};
  REQUIRE(lookupd.wait_for(identified));
  REQUIRE(lookupd.wait_count("PING", 1, 17s));
  auto after = std::chrono::steady_clock::now() - start;
  CHECK(after > 14s);
  CHECK(after < 16500ms);
  auto all = lookupd.commands();
  CHECK(std::count(all.begin(), all.end(), "CONNECT") == 1); // same connection
  CHECK(all.back() == "PING");
}
