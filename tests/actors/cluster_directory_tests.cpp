// The channel directory in isolation (docs/cluster.md, "Cluster-wide
// consumption"): three nodes in one deterministic actor system, each a real
// broker, a directory and a fake membership actor that answers cl_directory
// (or fails to). Member events are sent by hand, as the membership actor
// would; recording sessions stand for the sessions that SUBscribed.

#include "actors/broker.hpp"
#include "actors/cluster_directory.hpp"
#include "actors/cluster_messages.hpp"
#include "tests/actors/delivery_helpers.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <utility>

using namespace nsq;
using namespace nsq::test;
using namespace std::chrono_literals;

namespace {

/// What a fake membership actor answers.
struct fake_member {
  caf::actor directory;
  bool fail = false;
  bool silent = false; ///< never answers (the request times out)
};

caf::behavior fake_membership(caf::event_based_actor* self, fake_member* m) {
  return {
      [](cl_watch_atom) {},
      [=](cl_directory_atom, const caf::actor& dir) { m->directory = dir; },
      [=](cl_directory_atom) -> caf::result<caf::actor, int64_t> {
        if (m->silent)
          return self->make_response_promise<caf::actor, int64_t>(); // never delivered
        if (m->fail || !m->directory)
          return caf::make_error(caf::sec::request_timeout);
        return {m->directory, int64_t{-1}};
      },
  };
}

/// cl_attach as (member, channel); cl_detach as (member, invalid actor).
using attach_log = std::vector<std::pair<std::string, caf::actor>>;

/// A session: SUBs through its broker when told, records cl_attach and
/// cl_detach.
caf::behavior recording_session(caf::event_based_actor* self, attach_log* log) {
  return {
      [=](cl_sub_atom, const std::string& t, const std::string& c,
          const caf::actor& broker) { self->send(broker, cl_sub_atom::value, t, c); },
      [=](cl_attach_atom, const std::string& member, const caf::actor& ch) {
        log->emplace_back(member, ch);
      },
      [=](cl_detach_atom, const std::string& member) {
        log->emplace_back(member, caf::actor{});
      },
  };
}

/// A session that does not understand cl_attach: CAF's default handler
/// answers the directory with an error message.
caf::behavior deaf_session(caf::event_based_actor* self, int) {
  return {
      [=](cl_sub_atom, const std::string& t, const std::string& c,
          const caf::actor& broker) { self->send(broker, cl_sub_atom::value, t, c); },
  };
}

struct node {
  std::string id;
  member_info info;
  caf::actor broker;
  std::unique_ptr<fake_member> fake = std::make_unique<fake_member>();
  caf::actor membership;
  caf::actor directory;
};

struct directory_fixture : delivery_fixture {
  std::map<std::string, node> nodes;
  std::vector<std::unique_ptr<attach_log>> logs;

  node& add_node(const std::string& name) {
    auto& n = nodes[name];
    n.info = member_info{name + ":7000", name, 4150, 4151, 1};
    n.id = member_id(n.info);
    n.broker = spawn_broker(sys, config);
    n.membership = sys.spawn(fake_membership, n.fake.get());
    directory_config dc;
    dc.broker = n.broker;
    dc.membership = n.membership;
    n.directory = spawn_directory(sys, dc);
    for (auto& a : {n.broker, n.membership, n.directory})
      to_stop.push_back(a);
    sched.run();
    return n;
  }

  /// Tells `to`'s directory that `about` is in `state` (alive: reachable
  /// through its current membership actor).
  void event(const std::string& to, const std::string& about, member_state state) {
    auto& a = nodes[about];
    caf::anon_send(
        nodes[to].directory, cl_event_atom::value,
        member_event{a.info, state,
                     state == member_state::alive ? a.membership : caf::actor{}});
    sched.run();
  }

  void mesh() {
    for (auto& [x, nx] : nodes)
      for (auto& [y, ny] : nodes)
        if (x != y)
          event(x, y, member_state::alive);
  }

  /// A session on node `on` that SUBscribed to t/c; its log records attaches.
  std::pair<caf::actor, attach_log*> session(const std::string& on, const std::string& t,
                                             const std::string& c) {
    logs.push_back(std::make_unique<attach_log>());
    auto s = sys.spawn(recording_session, logs.back().get());
    to_stop.push_back(s);
    caf::anon_send(s, cl_sub_atom::value, t, c, nodes[on].broker);
    sched.run();
    return {s, logs.back().get()};
  }

  caf::actor topic(const std::string& on, const std::string& t) {
    return ask_actor(nodes[on].broker, get_topic_atom::value, t);
  }
  caf::actor find_topic(const std::string& on, const std::string& t) {
    return ask_actor(nodes[on].broker, find_atom::value, t);
  }
  caf::actor find_channel(const std::string& on, const std::string& t,
                          const std::string& c) {
    auto tp = find_topic(on, t);
    return tp ? ask_actor(tp, find_atom::value, c) : caf::actor{};
  }
};

} // namespace

TEST_CASE_METHOD(directory_fixture,
                 "a SUB attaches the channel of every member with the topic",
                 "[cluster][directory]") {
  add_node("x");
  add_node("y");
  add_node("z");
  mesh();
  topic("y", "t"); // y has the topic, z does not
  auto [s, log] = session("x", "t", "c");
  auto on_y = find_channel("y", "t", "c");
  REQUIRE(on_y); // created on y, as a SUB there would
  REQUIRE(log->size() == 1);
  CHECK(log->front().first == nodes["y"].id);
  CHECK(log->front().second == on_y);
  CHECK_FALSE(find_topic("z", "t"));        // never created where it was missing
  CHECK_FALSE(find_channel("x", "t", "c")); // the local SUB is the session's own business
  // A second session of the pair gets the known channel at once.
  auto [s2, log2] = session("x", "t", "c");
  REQUIRE(log2->size() == 1);
  CHECK(log2->front().second == on_y);
  CHECK(log->size() == 1); // the first is not told again
}

TEST_CASE_METHOD(directory_fixture,
                 "a topic created later on a member attaches its channel",
                 "[cluster][directory]") {
  add_node("x");
  add_node("y");
  mesh();
  auto [s, log] = session("x", "t", "c");
  CHECK(log->empty());
  CHECK_FALSE(find_topic("y", "t"));
  topic("y", "t"); // e.g. a publish on y
  sched.run();
  auto on_y = find_channel("y", "t", "c");
  REQUIRE(on_y);
  REQUIRE(log->size() == 1);
  CHECK(log->front() == std::make_pair(nodes["y"].id, on_y));
  // Other topics' creation brings nothing.
  topic("y", "other");
  CHECK_FALSE(find_channel("y", "other", "c"));
  CHECK(log->size() == 1);
}

TEST_CASE_METHOD(directory_fixture, "a member that went down is not heard, its return is",
                 "[cluster][directory]") {
  add_node("x");
  add_node("y");
  mesh();
  topic("y", "t");
  auto [s, log] = session("x", "t", "c");
  REQUIRE(log->size() == 1);
  event("x", "y", member_state::suspect);
  // Nothing of y reaches sessions while it is down.
  auto [s2, log2] = session("x", "t", "c");
  auto [s3, log3] = session("x", "t3", "c3");
  topic("y", "t"); // (exists) and a topic y creates meanwhile
  topic("y", "t3");
  sched.run();
  CHECK(log2->empty());
  CHECK(log3->empty());
  CHECK(log->size() == 1);
  // y returns as a new run (a new membership actor): wants are sent again.
  nodes["y"].membership = sys.spawn(fake_membership, nodes["y"].fake.get());
  to_stop.push_back(nodes["y"].membership);
  event("x", "y", member_state::alive);
  CHECK(log->size() == 2);
  REQUIRE(log2->size() == 1);
  CHECK(log2->front().second == find_channel("y", "t", "c"));
  REQUIRE(log3->size() == 1);
  CHECK(log3->front().second == find_channel("y", "t3", "c3"));
}

TEST_CASE_METHOD(directory_fixture,
                 "a member that lost us unnoticed makes our sessions reattach",
                 "[cluster][directory]") {
  add_node("x");
  add_node("y");
  add_node("z");
  mesh();
  topic("y", "t");
  topic("z", "t");
  auto [s, log] = session("x", "t", "c");
  auto [other, other_log] = session("x", "t", "other");
  REQUIRE(log->size() == 2);
  REQUIRE(other_log->size() == 2);
  auto on_y = find_channel("y", "t", "c");
  // y saw x go down and come back (the same run of x); x saw nothing.
  event("y", "x", member_state::suspect);
  event("y", "x", member_state::alive);
  // x's sessions detach y's channels, then y's answer attaches them again.
  REQUIRE(log->size() == 4);
  CHECK(log->at(2) == std::make_pair(nodes["y"].id, caf::actor{}));
  CHECK(log->at(3) == std::make_pair(nodes["y"].id, on_y));
  REQUIRE(other_log->size() == 4);
  CHECK(other_log->at(2).first == nodes["y"].id);
  CHECK_FALSE(other_log->at(2).second);
  CHECK(other_log->at(3).second == find_channel("y", "t", "other"));
  // z's channels are not touched; a first discovery resets nothing.
  CHECK(std::count_if(log->begin(), log->end(),
                      [&](auto& e) { return e.first == nodes["z"].id; }) == 1);
}

TEST_CASE_METHOD(directory_fixture,
                 "a failing or silent member does not wedge the directory",
                 "[cluster][directory]") {
  add_node("x");
  add_node("y");
  add_node("z");
  topic("y", "t");
  topic("z", "t");
  nodes["y"].fake->fail = true;
  nodes["z"].fake->silent = true;
  event("x", "y", member_state::alive);
  event("x", "z", member_state::alive);
  auto [s, log] = session("x", "t", "c");
  CHECK(log->empty());
  advance(6s); // z's request times out; y's retry fails again
  CHECK(log->empty());
  nodes["y"].fake->fail = false;
  nodes["z"].fake->silent = false;
  advance(1s); // both asked again
  REQUIRE(log->size() == 2);
  std::set<std::string> from{log->at(0).first, log->at(1).first};
  CHECK(from == std::set<std::string>{nodes["y"].id, nodes["z"].id});
  // Meanwhile and after, the directory serves other requests.
  auto [s2, log2] = session("x", "t", "c");
  CHECK(log2->size() == 2);
}

TEST_CASE_METHOD(directory_fixture,
                 "sessions that end are forgotten, and so is their pair",
                 "[cluster][directory]") {
  add_node("x");
  add_node("y");
  mesh();
  auto [s, log] = session("x", "t", "c");
  auto [keep, keep_log] = session("x", "t", "kept");
  caf::anon_send_exit(s, caf::exit_reason::kill);
  sched.run();
  topic("y", "t");
  sched.run();
  // The pair's last session left: y was told, so it made no channel c.
  CHECK_FALSE(find_channel("y", "t", "c"));
  CHECK(find_channel("y", "t", "kept"));
  CHECK(keep_log->size() == 1);
  // A new session of the pair wants it again.
  auto [s2, log2] = session("x", "t", "c");
  REQUIRE(log2->size() == 1);
  CHECK(log2->front().second == find_channel("y", "t", "c"));
  CHECK(log->empty());
}

TEST_CASE_METHOD(directory_fixture, "a deleted channel is asked for again",
                 "[cluster][directory]") {
  add_node("x");
  add_node("y");
  mesh();
  auto t = topic("y", "t");
  auto [s, log] = session("x", "t", "c");
  REQUIRE(log->size() == 1);
  auto first = log->front().second;
  caf::anon_send_exit(first, caf::exit_reason::kill);
  sched.run();
  REQUIRE(log->size() == 2);
  CHECK(log->back().second != first);
  CHECK(log->back().second == find_channel("y", "t", "c"));
}

TEST_CASE_METHOD(directory_fixture, "without a directory the broker ignores cl_sub",
                 "[cluster][directory]") {
  auto broker = spawn_broker(sys, config);
  to_stop.push_back(broker);
  logs.push_back(std::make_unique<attach_log>());
  auto s = sys.spawn(recording_session, logs.back().get());
  to_stop.push_back(s);
  caf::anon_send(s, cl_sub_atom::value, std::string{"t"}, std::string{"c"}, broker);
  sched.run();
  CHECK(logs.back()->empty());
  CHECK_FALSE(ask_actor(broker, find_atom::value, std::string{"t"}));
}

TEST_CASE_METHOD(directory_fixture,
                 "an error answer from a session does not end the directory",
                 "[cluster][directory]") {
  add_node("x");
  add_node("y");
  mesh();
  topic("y", "t");
  auto deaf = sys.spawn(deaf_session, 0);
  to_stop.push_back(deaf);
  caf::anon_send(deaf, cl_sub_atom::value, std::string{"t"}, std::string{"c"},
                 nodes["x"].broker);
  sched.run();
  CHECK(is_alive(nodes["x"].directory));
  CHECK(is_alive(nodes["x"].membership));
  auto [s, log] = session("x", "t", "c");
  CHECK(log->size() == 1);
}

TEST_CASE_METHOD(directory_fixture, "the directory quits with its membership actor",
                 "[cluster][directory]") {
  auto& x = add_node("x");
  caf::anon_send_exit(x.membership, caf::exit_reason::user_shutdown);
  sched.run();
  CHECK_FALSE(is_alive(x.directory));
}
