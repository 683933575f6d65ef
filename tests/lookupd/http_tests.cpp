// serve_lookup_http / route_lookup_request: reference §9 and the observed
// snapshot of §10, byte for byte.

#include "protocol/lookup_http.hpp"

#include <catch2/catch.hpp>

using namespace nsq;

namespace {

constexpr int64_t t0 = 1795670510776106310;
constexpr int64_t t_tomb = 1795670514866974243;

/// One nsqd (127.0.0.1:52952) with orders{billing,shipping}, events, and a
/// tombstone on events: the §10 setup.
lookup_db snapshot_db() {
  lookup_db db;
  lookup_peer p;
  p.id = "127.0.0.1:52952";
  p.hostname = "vm";
  p.broadcast_address = "127.0.0.1";
  p.tcp_port = 44150;
  p.http_port = 44151;
  p.version = "1.3.0";
  db.identify(p, t0);
  db.add(p.id, "orders", "billing");
  db.add(p.id, "orders", "shipping");
  db.add(p.id, "events", "");
  db.tombstone("events", "127.0.0.1:44151", t_tomb);
  return db;
}

http_response get(lookup_db& db, lookup_endpoint e, const std::string& q = "",
                  int64_t now = t_tomb + 1000) {
  return serve_lookup_http(db, e, q, now, lookup_liveness{});
}

const std::string debug_producer_tail =
    R"("hostname":"vm","http_port":44151,"id":"127.0.0.1:52952","last_update":1795670510776106310,"tcp_port":44150,)";

std::string debug_entry(bool tomb, int64_t at) {
  return R"([{"broadcast_address":"127.0.0.1",)" + debug_producer_tail +
         "\"tombstoned\":" + (tomb ? "true" : "false") +
         ",\"tombstoned_at\":" + std::to_string(at) +
         R"(,"topology_region":"","topology_zone":"","version":"1.3.0"}])";
}

} // namespace

TEST_CASE("snapshot of reference 10", "[lookupd][http]") {
  auto db = snapshot_db();
  using e = lookup_endpoint;
  CHECK(get(db, e::topics).body == R"({"topics":["events","orders"]})");
  CHECK(get(db, e::channels, "topic=orders").body ==
        R"({"channels":["billing","shipping"]})");
  CHECK(get(db, e::channels, "topic=events").body == R"({"channels":[]})");
  auto lookup = get(db, e::lookup, "topic=orders");
  CHECK(
      lookup.body ==
      R"({"channels":["billing","shipping"],"producers":[{"remote_address":"127.0.0.1:52952","hostname":"vm","broadcast_address":"127.0.0.1","tcp_port":44150,"http_port":44151,"version":"1.3.0","topology_zone":"","topology_region":""}]})");
  CHECK(lookup.body.size() == 227);
  CHECK(lookup.content_type == "application/json; charset=utf-8");
  CHECK(lookup.nsq_header);
  CHECK(get(db, e::lookup, "topic=events").body == R"({"channels":[],"producers":[]})");
  auto nodes = get(db, e::nodes);
  CHECK(
      nodes.body ==
      R"({"producers":[{"remote_address":"127.0.0.1:52952","hostname":"vm","broadcast_address":"127.0.0.1","tcp_port":44150,"http_port":44151,"version":"1.3.0","topology_zone":"","topology_region":"","tombstones":[true,false],"topics":["events","orders"]}]})");
  CHECK(nodes.body.size() == 248);
  auto never = go_zero_time_ns;
  auto debug = get(db, e::debug).body;
  CHECK(debug == "{\"channel:orders:billing\":" + debug_entry(false, never) +
                     ",\"channel:orders:shipping\":" + debug_entry(false, never) +
                     ",\"client::\":" + debug_entry(false, never) +
                     ",\"topic:events:\":" + debug_entry(true, t_tomb) +
                     ",\"topic:orders:\":" + debug_entry(false, never) + "}");
  CHECK(debug.size() == 1383);
  CHECK(get(db, e::info).body == R"({"version":"1.3.0"})");
  auto ping = get(db, e::ping);
  CHECK(ping.body == "OK");
  CHECK_FALSE(ping.nsq_header);
}

TEST_CASE("after the tombstone lifetime the producer is listed again",
          "[lookupd][http]") {
  auto db = snapshot_db();
  auto later = t_tomb + 46'000'000'000LL;
  CHECK(get(db, lookup_endpoint::nodes, "", later)
            .body.find("\"tombstones\":[false,false]") != std::string::npos);
  CHECK(get(db, lookup_endpoint::lookup, "topic=events", later).body.find("52952") !=
        std::string::npos);
  CHECK(get(db, lookup_endpoint::debug, "", later).body.find("\"tombstoned\":true") !=
        std::string::npos);
}

TEST_CASE("empty database", "[lookupd][http]") {
  lookup_db db;
  CHECK(get(db, lookup_endpoint::topics).body == R"({"topics":[]})");
  CHECK(get(db, lookup_endpoint::nodes).body == R"({"producers":[]})");
  CHECK(get(db, lookup_endpoint::debug).body == "{}");
}

TEST_CASE("error answers of reference 10", "[lookupd][http]") {
  auto db = snapshot_db();
  using e = lookup_endpoint;
  struct row {
    e ep;
    const char* query;
    unsigned status;
    const char* message;
  };
  const row rows[] = {
      {e::lookup, "", 400, "MISSING_ARG_TOPIC"},
      {e::lookup, "topic=", 404, "TOPIC_NOT_FOUND"},
      {e::lookup, "topic=bad!name", 404, "TOPIC_NOT_FOUND"},
      {e::lookup, "topic=%zz", 400, "INVALID_REQUEST"},
      {e::lookup, "topic=orders;x=1", 400, "INVALID_REQUEST"},
      {e::lookup, "topic=*", 404, "TOPIC_NOT_FOUND"},
      {e::channels, "", 400, "MISSING_ARG_TOPIC"},
      {e::topic_create, "", 400, "MISSING_ARG_TOPIC"},
      {e::topic_create, "topic=bad!", 400, "INVALID_ARG_TOPIC"},
      {e::topic_create, "topic=", 400, "INVALID_ARG_TOPIC"},
      {e::channel_create, "topic=adm1", 400, "MISSING_ARG_CHANNEL"},
      {e::channel_create, "topic=adm1&channel=bad!", 400, "INVALID_ARG_CHANNEL"},
      {e::channel_create, "topic=bad!&channel=c", 400, "INVALID_ARG_TOPIC"},
      {e::channel_delete, "topic=adm2&channel=nope", 404, "CHANNEL_NOT_FOUND"},
      {e::topic_tombstone, "topic=orders", 400, "MISSING_ARG_NODE"},
      {e::topic_tombstone, "node=x:1", 400, "MISSING_ARG_TOPIC"},
      {e::topic_delete, "", 400, "MISSING_ARG_TOPIC"},
  };
  for (auto& r : rows) {
    INFO(r.query);
    auto out = get(db, r.ep, r.query);
    CHECK(out.status == r.status);
    CHECK(out.body == std::string("{\"message\":\"") + r.message + "\"}");
    CHECK(out.content_type == "application/json; charset=utf-8");
  }
  // Parameter-less GETs ignore a malformed query.
  CHECK(get(db, e::topics, "x=%zz").status == 200);
}

TEST_CASE("POST endpoints answer with an empty body", "[lookupd][http]") {
  lookup_db db;
  using e = lookup_endpoint;
  auto r = get(db, e::topic_create, "topic=adm3");
  CHECK(r.status == 200);
  CHECK(r.body.empty());
  CHECK(r.content_type.empty());
  CHECK(r.nsq_header);
  CHECK(get(db, e::topic_create, "topic=adm3").status == 200); // idempotent
  CHECK(get(db, e::lookup, "topic=adm3").body == R"({"channels":[],"producers":[]})");
  CHECK(get(db, e::channel_create, "topic=t+x&channel=c").status == 400); // "t x"
  CHECK(get(db, e::channel_create, "topic=adm3&channel=c1").status == 200);
  CHECK(get(db, e::channels, "topic=adm3").body == R"({"channels":["c1"]})");
  CHECK(get(db, e::topic_delete, "topic=bad!").status == 200);
  CHECK(get(db, e::topic_tombstone, "topic=nope&node=x:1").status == 200);
  CHECK(get(db, e::channel_delete, "topic=adm3&channel=c1").status == 200);
  CHECK(get(db, e::channel_delete, "topic=adm3&channel=c1").status == 404);
  CHECK(get(db, e::topic_delete, "topic=adm3").status == 200);
  CHECK(get(db, e::topics).body == R"({"topics":[]})");
}

TEST_CASE("routing: 404, 405 with Allow, OPTIONS, redirects", "[lookupd][http]") {
  auto r = route_lookup_request("GET", "/nope", "");
  REQUIRE(r.answer);
  CHECK(r.answer->status == 404);
  CHECK(r.answer->body == R"({"message":"NOT_FOUND"})");
  for (auto* old : {"/delete_topic", "/delete_channel", "/tombstone_topic_producer",
                    "/create_topic", "/create_channel", "/debug/pprof"})
    CHECK(route_lookup_request("GET", old, "").answer->status == 404);

  auto post_lookup = route_lookup_request("POST", "/lookup", "topic=orders");
  CHECK(post_lookup.answer->status == 405);
  CHECK(post_lookup.answer->allow == "GET, OPTIONS");
  CHECK(post_lookup.answer->body == R"({"message":"METHOD_NOT_ALLOWED"})");
  auto get_create = route_lookup_request("GET", "/topic/create", "topic=x");
  CHECK(get_create.answer->status == 405);
  CHECK(get_create.answer->allow == "OPTIONS, POST");
  CHECK(route_lookup_request("HEAD", "/ping", "").answer->status == 405);

  auto options = route_lookup_request("OPTIONS", "/topics", "");
  CHECK(options.answer->status == 200);
  CHECK(options.answer->allow == "GET, OPTIONS");
  CHECK(options.answer->body.empty());
  CHECK_FALSE(options.answer->nsq_header);

  for (auto* path : {"/lookup/", "/LOOKUP", "//lookup"}) {
    INFO(path);
    auto red = route_lookup_request("GET", path, "topic=orders");
    REQUIRE(red.answer);
    CHECK(red.answer->status == 301);
    CHECK(red.answer->location == "/lookup?topic=orders");
    CHECK(red.answer->body ==
          "<a href=\"/lookup?topic=orders\">Moved Permanently</a>.\n\n");
  }
  auto amp = route_lookup_request("GET", "/channels/", "topic=a&x=1");
  CHECK(amp.answer->location == "/channels?topic=a&x=1");
  CHECK(amp.answer->body ==
        "<a href=\"/channels?topic=a&amp;x=1\">Moved Permanently</a>.\n\n");
  auto post = route_lookup_request("POST", "/topic/create/", "topic=x");
  CHECK(post.answer->status == 307);
  CHECK(post.answer->location == "/topic/create?topic=x");
  CHECK(post.answer->body.empty());

  CHECK(route_lookup_request("GET", "/lookup", "").target == lookup_endpoint::lookup);
  CHECK(route_lookup_request("POST", "/topic/tombstone", "").target ==
        lookup_endpoint::topic_tombstone);
}

TEST_CASE("debug keys sort as Go sorts the flattened strings", "[lookupd][http]") {
  lookup_db db;
  lookup_peer p;
  p.id = "a:1";
  db.identify(p, 0);
  db.add("a:1", "orders.x", "c");
  db.add("a:1", "orders", "c");
  auto body = get(db, lookup_endpoint::debug);
  auto dotted = body.body.find("\"channel:orders.x:c\"");
  auto plain = body.body.find("\"channel:orders:c\"");
  REQUIRE(dotted != std::string::npos);
  REQUIRE(plain != std::string::npos);
  CHECK(dotted < plain);
}
