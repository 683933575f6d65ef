// GET /cluster's body (protocol/cluster_json).

#include "protocol/cluster_json.hpp"

#include <catch2/catch.hpp>

using namespace nsq;

TEST_CASE("a member's identity is broadcast address, TCP port and cluster address") {
  member_info m{"10.0.0.1:4170", "node1", 4150, 4151, 7};
  CHECK(member_id(m) == "node1:4150@10.0.0.1:4170");
  m.incarnation = 8; // a restart keeps the identity
  CHECK(member_id(m) == "node1:4150@10.0.0.1:4170");
}

TEST_CASE("the cluster view renders as JSON with each member's state and since") {
  cluster_view v;
  v.self = member_info{"h:1", "a", 1, 2, 3};
  v.tls = true;
  v.members.push_back(
      member_view{member_info{"h:2", "b", 4, 5, 6}, member_state::down, 99});
  CHECK(render_cluster_json(v) ==
        R"({"self":{"id":"a:1@h:1","cluster_address":"h:1","broadcast_address":"a",)"
        R"("tcp_port":1,"http_port":2,"incarnation":3},"tls":true,"members":[{"id":)"
        R"("b:4@h:2","cluster_address":"h:2","broadcast_address":"b","tcp_port":4,)"
        R"("http_port":5,"incarnation":6,"state":"down","since":99}]})");
  CHECK(std::string(state_name(member_state::alive)) == "alive");
  CHECK(std::string(state_name(member_state::suspect)) == "suspect");
  CHECK(std::string(state_name(member_state::joining)) == "joining");
}

TEST_CASE("an empty cluster renders an empty member list") {
  cluster_view v;
  CHECK(render_cluster_json(v).find(R"("members":[])") != std::string::npos);
}
