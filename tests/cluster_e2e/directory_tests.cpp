// Cluster-wide consumption, directory side, with real caf-nsqd processes
// (docs/cluster.md, "Cluster-wide consumption"): a consumer's SUB on one
// member makes its channel on every other member that has the topic, now or
// when the topic is created there later, and never creates the topic there.
// Every wait is a bounded poll of GET /stats.

#include "cluster_node.hpp"
#include "e2e/raw_client.hpp"

#include <functional>
#include <set>
#include <thread>

using namespace e2e;
using namespace cluster_e2e;
using namespace std::chrono_literals;
using names = std::set<std::string>;

namespace {

/// Returns the channel names of `topic` on the node behind `http_port`
/// (empty when the topic does not exist); `has_topic` tells which.
names channels_of(uint16_t http_port, const std::string& topic,
                  bool* has_topic = nullptr) {
  names out;
  auto stats = get_json(http_port, "/stats?format=json&topic=" + topic);
  bool found = false;
  for (auto& t : stats["topics"]) {
    if (t["topic_name"] != topic)
      continue;
    found = true;
    for (auto& c : t["channels"])
      out.insert(c["channel_name"].get<std::string>());
  }
  if (has_topic)
    *has_topic = found;
  return out;
}

/// Polls until `topic` on the node behind `http_port` has `channel`.
bool wait_channel(uint16_t http_port, const std::string& topic,
                  const std::string& channel, std::chrono::milliseconds limit = 30s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (channels_of(http_port, topic).count(channel) != 0)
      return true;
    std::this_thread::sleep_for(50ms);
  }
  return false;
}

void publish(uint16_t http_port, const std::string& topic) {
  http_client h{http_port};
  auto a = h.request("POST", "/pub?topic=" + topic, "hello");
  REQUIRE(a.status == 200);
}

} // namespace

TEST_CASE("a SUB on one member makes the channel on the member that has the topic",
          "[cluster][directory]") {
  auto a = start_node({});
  auto ca = cluster_address(*a);
  auto b = start_node({"--cluster-peer=" + ca, "--log-level=debug"});
  auto cb = cluster_address(*b);
  REQUIRE(wait_alive(a->http_port(), cb));
  REQUIRE(wait_alive(b->http_port(), ca));
  publish(b->http_port(), "t"); // t exists on B only
  auto consumer = subscriber(a->port(), "t", "c", -1);
  CHECK(wait_channel(b->http_port(), "t", "c"));

  // A topic B does not have is not created there by a SUB on A...
  auto later = subscriber(a->port(), "t2", "c2", -1);
  REQUIRE(b->log_has("CLUSTER: a member wants t2/c2: no topic t2 here yet"));
  bool has_t2 = true;
  channels_of(b->http_port(), "t2", &has_t2);
  CHECK_FALSE(has_t2);
  // ...but when a publish creates it, the channel follows.
  publish(b->http_port(), "t2");
  CHECK(wait_channel(b->http_port(), "t2", "c2"));
  // Attaching did not cost the membership (a session's error answer once
  // ended the directory and, linked, the membership actor).
  CHECK(wait_alive(a->http_port(), cb, 2s));
  CHECK(wait_alive(b->http_port(), ca, 2s));
}

TEST_CASE("members with one node id are warned of", "[cluster][directory]") {
  auto a = start_node({"--node-id=7"});
  auto b = start_node({"--node-id=7", "--cluster-peer=" + cluster_address(*a)});
  auto warning = "has our node id 7: message IDs can collide";
  CHECK(a->log_has(warning, 30s));
  CHECK(b->log_has(warning, 30s));
}
