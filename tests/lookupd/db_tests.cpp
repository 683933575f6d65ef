// lookup_db: registration semantics (reference §5.2-§5.3, §6-§8) with a
// hand-driven clock.

#include "protocol/lookup_db.hpp"

#include <catch2/catch.hpp>

using namespace nsq;

namespace {

constexpr int64_t sec = 1'000'000'000;

lookup_peer peer(const std::string& id, const std::string& addr = "127.0.0.1",
                 int64_t http = 4151) {
  lookup_peer p;
  p.id = id;
  p.broadcast_address = addr;
  p.hostname = "vm";
  p.tcp_port = 4150;
  p.http_port = http;
  p.version = "1.3.0";
  return p;
}

using strings = std::vector<std::string>;

} // namespace

TEST_CASE("REGISTER t c creates both keys, UNREGISTER t keeps channels",
          "[lookupd][db]") {
  lookup_db db;
  lookup_liveness l;
  db.identify(peer("a:1"), 0);
  db.add("a:1", "X", "c1");
  db.add("a:1", "X", "c2");
  CHECK(db.topics() == strings{"X"});
  CHECK(db.lookup("X", 0, l).size() == 1);
  db.remove("a:1", "X", "");
  CHECK(db.has_topic("X"));
  CHECK(db.channels("X") == strings{"c1", "c2"});
  CHECK(db.lookup("X", 0, l).empty());
  db.remove("a:1", "never", "ch"); // unknown: no effect
  CHECK_FALSE(db.has_topic("never"));
}

TEST_CASE("ephemeral keys go when their last producer unregisters", "[lookupd][db]") {
  lookup_db db;
  db.identify(peer("a:1"), 0);
  db.identify(peer("b:2"), 0);
  db.add("a:1", "t", "e#ephemeral");
  db.add("b:2", "t", "e#ephemeral");
  db.remove("a:1", "t", "e#ephemeral");
  CHECK(db.channels("t") == strings{"e#ephemeral"});
  db.remove("b:2", "t", "e#ephemeral");
  CHECK(db.channels("t").empty());

  db.add("a:1", "T#ephemeral", "ch");
  db.remove("a:1", "T#ephemeral", "");
  CHECK_FALSE(db.has_topic("T#ephemeral"));
  CHECK(db.channels("T#ephemeral") == strings{"ch"}); // channel keys survive
}

TEST_CASE("a disconnect removes the peer but keeps every key", "[lookupd][db]") {
  lookup_db db;
  lookup_liveness l;
  db.identify(peer("a:1"), 0);
  db.add("a:1", "orders", "billing");
  db.drop_peer("a:1");
  CHECK(db.topics() == strings{"orders"});
  CHECK(db.channels("orders") == strings{"billing"});
  CHECK(db.lookup("orders", 0, l).empty());
  CHECK(db.nodes(0, l).empty());
  for (auto& [k, prods] : db.all())
    CHECK(prods.empty());
}

TEST_CASE("inactive producers are hidden until the next PING", "[lookupd][db]") {
  lookup_db db;
  lookup_liveness l{3 * sec, 45 * sec};
  db.identify(peer("a:1"), 0);
  db.add("a:1", "t", "");
  CHECK(db.lookup("t", 3 * sec, l).size() == 1); // exactly the timeout: active
  CHECK(db.lookup("t", 3 * sec + 1, l).empty());
  CHECK(db.nodes(4 * sec, l).empty());
  CHECK(db.has_topic("t"));
  db.ping("a:1", 4 * sec);
  CHECK(db.lookup("t", 5 * sec, l).size() == 1);
  CHECK(db.nodes(5 * sec, l).size() == 1);
}

TEST_CASE("tombstones hide from lookup, show in nodes, and expire", "[lookupd][db]") {
  lookup_db db;
  lookup_liveness l{300 * sec, 45 * sec};
  db.identify(peer("a:1"), 0);
  db.add("a:1", "events", "");
  db.add("a:1", "orders", "billing");
  db.tombstone("events", "127.0.0.1:4151", 10 * sec);
  db.tombstone("orders", "127.0.0.1:9999", 10 * sec); // no match
  CHECK(db.lookup("events", 11 * sec, l).empty());
  CHECK(db.lookup("orders", 11 * sec, l).size() == 1);
  auto nodes = db.nodes(11 * sec, l);
  REQUIRE(nodes.size() == 1);
  CHECK(nodes[0].topics == strings{"events", "orders"});
  CHECK(nodes[0].tombstones == std::vector<bool>{true, false});
  // Re-registering keeps the tombstone; the lifetime ends it.
  db.add("a:1", "events", "c");
  CHECK(db.lookup("events", 54 * sec, l).empty());
  CHECK(db.lookup("events", 55 * sec, l).size() == 1);
  CHECK(db.nodes(55 * sec, l)[0].tombstones == std::vector<bool>{false, false});
  // The raw flag stays.
  CHECK(db.all().at({"topic", "events", ""}).at("a:1").tombstoned);
  // UNREGISTER then REGISTER gives a fresh entry.
  db.tombstone("events", "127.0.0.1:4151", 60 * sec);
  db.remove("a:1", "events", "");
  db.add("a:1", "events", "");
  CHECK(db.lookup("events", 61 * sec, l).size() == 1);
}

TEST_CASE("HTTP-side changes", "[lookupd][db]") {
  lookup_db db;
  db.identify(peer("a:1"), 0);
  db.add("a:1", "orders", "billing");
  db.create_channel("adm", "c");
  CHECK(db.topics() == strings{"adm", "orders"});
  CHECK(db.delete_channel("adm", "c"));
  CHECK_FALSE(db.delete_channel("adm", "c"));
  db.delete_topic("orders"); // producers included
  CHECK_FALSE(db.has_topic("orders"));
  CHECK(db.channels("orders").empty());
  db.create_topic("*");
  db.delete_topic("*"); // a literal name, not a wildcard
  CHECK(db.topics() == strings{"adm"});
}
