// The membership actor in isolation (docs/cluster.md): several membership
// actors in one deterministic actor system, connected through a fake
// connector that plays CAF's middleman (address → actor). Killing an actor
// stands for a broken connection: both end in a down message.

#include "actors/cluster_membership.hpp"
#include "actors/cluster_messages.hpp"
#include "fixture.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <set>

using namespace nsq;
using namespace std::chrono_literals;

namespace {

/// What the fake middleman can reach, and how often it was asked.
struct directory {
  std::map<std::string, caf::actor> nodes;
  int connects = 0;
};

using connect_result =
    caf::result<caf::node_id, caf::strong_actor_ptr, std::set<std::string>>;

caf::behavior fake_connector(caf::event_based_actor*, directory* d) {
  return {
      [=](caf::connect_atom, const std::string& host, uint16_t port) -> connect_result {
        ++d->connects;
        auto it = d->nodes.find(host + ":" + std::to_string(port));
        if (it == d->nodes.end())
          return caf::make_error(caf::sec::cannot_connect_to_node);
        return {caf::node_id{}, caf::actor_cast<caf::strong_actor_ptr>(it->second),
                std::set<std::string>{}};
      },
  };
}

/// Records the membership events it is sent.
caf::behavior event_recorder(caf::event_based_actor*, std::vector<member_event>* log) {
  return {[=](cl_event_atom, const member_event& e) { log->push_back(e); }};
}

caf::behavior dummy_broker(caf::event_based_actor*, int) {
  return {[](int) {}};
}

member_info info_of(const std::string& address, int64_t incarnation = 1) {
  return member_info{address, "node-" + address.substr(address.size() - 1), 4150, 4151,
                     incarnation};
}

struct cluster_fixture : test::actor_fixture {
  directory dir;
  caf::actor connector = sys.spawn(fake_connector, &dir);
  std::vector<caf::actor> spawned;

  ~cluster_fixture() {
    for (auto& a : spawned)
      caf::anon_send_exit(a, caf::exit_reason::kill);
    caf::anon_send_exit(connector, caf::exit_reason::kill);
    sched.run();
  }

  caf::actor spawn_node(const std::string& address, std::vector<std::string> seeds,
                        int64_t incarnation = 1, caf::actor broker = caf::actor{},
                        double retry_jitter = 0) {
    membership_config mc;
    mc.seeds = std::move(seeds);
    mc.connector = connector;
    mc.broker = broker;
    mc.retry_jitter = retry_jitter;
    auto a = spawn_membership(sys, std::move(mc));
    spawned.push_back(a);
    dir.nodes[address] = a;
    caf::anon_send(a, cl_start_atom::value, info_of(address, incarnation));
    sched.run();
    return a;
  }

  void kill(const caf::actor& a, const std::string& address) {
    dir.nodes.erase(address); // its port refuses connections now
    caf::anon_send_exit(a, caf::exit_reason::kill);
    sched.run();
  }

  cluster_view view(const caf::actor& a) {
    caf::scoped_actor self{sys};
    cluster_view out;
    auto handle = self->request(a, caf::infinite, cl_view_atom::value);
    sched.run();
    handle.receive([&](cluster_view& v) { out = std::move(v); },
                   [&](caf::error&) { FAIL("no view"); });
    return out;
  }

  /// Returns each member's state by cluster address, as `a` sees it.
  std::map<std::string, member_state> states(const caf::actor& a) {
    std::map<std::string, member_state> out;
    for (auto& m : view(a).members)
      out[m.info.cluster_address] = m.state;
    return out;
  }
};

using S = member_state;
using state_map = std::map<std::string, member_state>;

} // namespace

TEST_CASE_METHOD(cluster_fixture, "a chain of seeds forms a full mesh", "[cluster]") {
  auto a = spawn_node("h:1", {});
  auto b = spawn_node("h:2", {"h:1"});
  auto c = spawn_node("h:3", {"h:2"}); // C knows only B; learns A from B's answer
  CHECK(states(a) == state_map{{"h:2", S::alive}, {"h:3", S::alive}});
  CHECK(states(b) == state_map{{"h:1", S::alive}, {"h:3", S::alive}});
  CHECK(states(c) == state_map{{"h:1", S::alive}, {"h:2", S::alive}});
  auto v = view(c);
  CHECK(v.self.cluster_address == "h:3");
  REQUIRE(v.members.size() == 2);
  CHECK(v.members[0].info.broadcast_address == "node-1");
  CHECK(v.members[0].since_ms > 0);
}

TEST_CASE_METHOD(cluster_fixture, "gossip of a new member makes a node connect to it",
                 "[cluster]") {
  auto a = spawn_node("h:1", {});
  auto c = spawn_node("h:3", {}); // not joined to anyone
  CHECK(states(a).empty());
  int before = dir.connects;
  caf::anon_send(a, cl_gossip_atom::value, info_of("h:3"));
  sched.run();
  CHECK(dir.connects == before + 1);
  CHECK(states(a) == state_map{{"h:3", S::alive}});
  CHECK(states(c) == state_map{{"h:1", S::alive}}); // A's join told C
  // The same gossip again changes nothing (no new connection).
  caf::anon_send(a, cl_gossip_atom::value, info_of("h:3"));
  sched.run();
  CHECK(dir.connects == before + 1);
}

TEST_CASE_METHOD(cluster_fixture,
                 "a joiner is gossiped to the members of the node it joined",
                 "[cluster]") {
  auto a = spawn_node("h:1", {});
  auto b = spawn_node("h:2", {"h:1"});
  // C joins A. C cannot reach B (its connect is refused), so B can only learn
  // of C from A's gossip; B then connects to C and joins it.
  auto b_handle = dir.nodes["h:2"];
  dir.nodes.erase("h:2");
  auto c = spawn_node("h:3", {"h:1"});
  dir.nodes["h:2"] = b_handle;
  CHECK(states(b) == state_map{{"h:1", S::alive}, {"h:3", S::alive}});
  CHECK(states(c) == state_map{{"h:1", S::alive}, {"h:2", S::alive}});
}

TEST_CASE_METHOD(cluster_fixture, "a member's death makes it suspect, then down",
                 "[cluster]") {
  std::vector<member_event> events;
  auto a = spawn_node("h:1", {});
  auto b = spawn_node("h:2", {"h:1"});
  auto watcher = sys.spawn(event_recorder, &events);
  spawned.push_back(watcher);
  caf::send_as(watcher, a, cl_watch_atom::value);
  sched.run();
  REQUIRE(events.size() == 1); // the current member at once
  CHECK(events[0].state == S::alive);
  CHECK(events[0].membership == b);
  kill(b, "h:2");
  CHECK(states(a) == state_map{{"h:2", S::down}});
  REQUIRE(events.size() == 3);
  CHECK(events[1].state == S::suspect);
  CHECK(events[2].state == S::down);
  CHECK(!events[2].membership);
}

TEST_CASE_METHOD(cluster_fixture, "reconnecting backs off, doubling up to the cap",
                 "[cluster]") {
  auto a = spawn_node("h:1", {});
  auto b = spawn_node("h:2", {"h:1"});
  kill(b, "h:2");
  int after_death = dir.connects; // one immediate attempt, refused
  advance(249ms);
  CHECK(dir.connects == after_death);
  advance(1ms);
  CHECK(dir.connects == after_death + 1); // 250 ms
  advance(499ms);
  CHECK(dir.connects == after_death + 1);
  advance(1ms);
  CHECK(dir.connects == after_death + 2); // then 500 ms
  advance(1s);
  advance(2s);
  advance(4s);
  CHECK(dir.connects == after_death + 5); // 1 s, 2 s, 4 s
  advance(5s);
  advance(5s);
  CHECK(dir.connects == after_death + 7); // capped at 5 s
}

TEST_CASE_METHOD(cluster_fixture,
                 "with jitter each retry waits its back-off and at most a quarter more",
                 "[cluster]") {
  auto a = spawn_node("h:1", {}, 1, caf::actor{}, 0.25);
  auto b = spawn_node("h:2", {"h:1"});
  kill(b, "h:2");
  int after_death = dir.connects; // one immediate attempt, refused
  // The test clock in 1 ms steps: when do the first two retries come?
  std::vector<int> retry_at_ms;
  for (int ms = 1; ms <= 1000 && retry_at_ms.size() < 2; ++ms) {
    advance(1ms);
    if (dir.connects > after_death + static_cast<int>(retry_at_ms.size()))
      retry_at_ms.push_back(ms);
  }
  REQUIRE(retry_at_ms.size() == 2);
  auto first = retry_at_ms[0];
  auto second = retry_at_ms[1] - retry_at_ms[0];
  CHECK((first >= 250 && first <= 313));   // 250 ms + up to 25 %
  CHECK((second >= 499 && second <= 626)); // 500 ms + up to 25 %
  // Not both exact: without jitter they would be 250 and 500 (both within
  // a millisecond of that by chance: about 1 in 8,000).
  CHECK((first > 251 || second > 501));
}

TEST_CASE_METHOD(cluster_fixture,
                 "a restarted member rejoins without the others restarting",
                 "[cluster]") {
  auto a = spawn_node("h:1", {});
  auto b = spawn_node("h:2", {"h:1"});
  auto c = spawn_node("h:3", {"h:2"});
  kill(b, "h:2");
  CHECK(states(a).at("h:2") == S::down);
  CHECK(states(c).at("h:2") == S::down);
  // B comes back on the same address with no seeds: the others' retries find it.
  auto b2 = spawn_node("h:2", {}, 2);
  CHECK(states(b2).empty());
  advance(250ms);
  CHECK(states(a) == state_map{{"h:2", S::alive}, {"h:3", S::alive}});
  CHECK(states(c) == state_map{{"h:1", S::alive}, {"h:2", S::alive}});
  CHECK(states(b2) == state_map{{"h:1", S::alive}, {"h:3", S::alive}});
  for (auto& m : view(a).members)
    if (m.info.cluster_address == "h:2")
      CHECK(m.info.incarnation == 2);
}

TEST_CASE_METHOD(cluster_fixture, "a restarted member that joins is seen at once",
                 "[cluster]") {
  auto a = spawn_node("h:1", {});
  auto b = spawn_node("h:2", {"h:1"});
  kill(b, "h:2");
  auto b2 = spawn_node("h:2", {"h:1"}, 2); // no time passes
  CHECK(states(a) == state_map{{"h:2", S::alive}});
  CHECK(states(b2) == state_map{{"h:1", S::alive}});
}

TEST_CASE_METHOD(cluster_fixture, "a seed naming this node is dropped", "[cluster]") {
  auto a = spawn_node("h:1", {"h:1"});
  CHECK(states(a).empty());
  CHECK(dir.connects == 0);
}

TEST_CASE_METHOD(cluster_fixture,
                 "a member's broker is found through its membership actor", "[cluster]") {
  auto broker_a = sys.spawn(dummy_broker, 1);
  auto broker_b = sys.spawn(dummy_broker, 2);
  spawned.push_back(broker_a);
  spawned.push_back(broker_b);
  auto a = spawn_node("h:1", {}, 1, broker_a);
  auto b = spawn_node("h:2", {"h:1"}, 1, broker_b);
  auto ask = [&](caf::message msg) {
    caf::scoped_actor self{sys};
    caf::actor out;
    bool failed = false;
    auto handle = self->request(a, caf::infinite, std::move(msg));
    sched.run();
    handle.receive([&](caf::actor& x) { out = x; }, [&](caf::error&) { failed = true; });
    return std::make_pair(out, failed);
  };
  CHECK(ask(caf::make_message(cl_broker_atom::value)).first == broker_a);
  CHECK(ask(caf::make_message(cl_broker_atom::value, member_id(info_of("h:2")))).first ==
        broker_b);
  kill(b, "h:2");
  CHECK(ask(caf::make_message(cl_broker_atom::value, member_id(info_of("h:2")))).second);
}

TEST_CASE("cluster addresses split into host and port") {
  std::string host;
  uint16_t port = 0;
  CHECK(split_cluster_address("127.0.0.1:4170", host, port));
  CHECK((host == "127.0.0.1" && port == 4170));
  CHECK(split_cluster_address("[::1]:0", host, port));
  CHECK((host == "::1" && port == 0));
  CHECK_FALSE(split_cluster_address("127.0.0.1", host, port));
  CHECK_FALSE(split_cluster_address(":4170", host, port));
  CHECK_FALSE(split_cluster_address("h:", host, port));
  CHECK_FALSE(split_cluster_address("h:65536", host, port));
  CHECK_FALSE(split_cluster_address("h:12a", host, port));
  CHECK_FALSE(split_cluster_address("[::1:4170", host, port));
}
