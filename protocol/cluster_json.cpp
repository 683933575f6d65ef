#include "protocol/cluster_json.hpp"

#include <nlohmann/json.hpp>

namespace nsq {

namespace {

using ojson = nlohmann::ordered_json;

ojson member_json(const member_info& m) {
  return ojson{{"id", member_id(m)},
               {"cluster_address", m.cluster_address},
               {"broadcast_address", m.broadcast_address},
               {"tcp_port", m.tcp_port},
               {"http_port", m.http_port},
               {"incarnation", m.incarnation}};
}

} // namespace

const char* state_name(member_state s) {
  switch (s) {
  case member_state::joining:
    return "joining";
  case member_state::alive:
    return "alive";
  case member_state::suspect:
    return "suspect";
  case member_state::down:
    return "down";
  }
  return "unknown";
}

std::string render_cluster_json(const cluster_view& v) {
  auto members = ojson::array();
  for (auto& m : v.members) {
    auto j = member_json(m.info);
    j["state"] = state_name(m.state);
    j["since"] = m.since_ms;
    members.push_back(std::move(j));
  }
  ojson out{{"self", member_json(v.self)}, {"tls", v.tls}, {"members", members}};
  // Names and addresses come from flags and peers: never fail on bad UTF-8.
  return out.dump(-1, ' ', false, ojson::error_handler_t::replace);
}

} // namespace nsq
