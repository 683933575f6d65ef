#pragma once

// A node's view of its cluster (ours, not nsqd's; docs/cluster.md): who the
// node is, which members it knows and in which state. Plain values: the
// membership actor fills them, protocol/cluster_json renders them.

#include <cstdint>
#include <string>
#include <vector>

namespace nsq {

/// One node of the cluster as it introduces itself when it joins.
struct member_info {
  std::string cluster_address;   ///< host:port its membership actor is published on
  std::string broadcast_address; ///< --broadcast-address (default: the hostname)
  uint16_t tcp_port = 0;         ///< announced TCP port (as to nsqlookupd)
  uint16_t http_port = 0;        ///< announced HTTP port, 0 without HTTP
  int64_t incarnation = 0;       ///< Unix ns when this run started: a restart is newer
};

/// Returns the identity of `m`, stable across restarts with the same flags:
/// `broadcast_address:tcp_port@cluster_address`.
inline std::string member_id(const member_info& m) {
  return m.broadcast_address + ":" + std::to_string(m.tcp_port) + "@" + m.cluster_address;
}

/// What this node knows of a member.
enum class member_state : uint8_t {
  joining, ///< learned from a peer (or a --cluster-peer), not connected yet
  alive,   ///< connected, and it answered our join or joined us
  suspect, ///< its connection broke; reconnecting
  down,    ///< reconnecting failed; still retried with back-off
};

/// Returns "joining", "alive", "suspect" or "down".
const char* state_name(member_state s);

/// One member in a view, with the state and since when (Unix ms) it holds.
struct member_view {
  member_info info;
  member_state state = member_state::joining;
  int64_t since_ms = 0;
};

/// This node and every member it knows (itself excluded), sorted by identity.
struct cluster_view {
  member_info self;
  bool tls = false; ///< cluster traffic is TLS with peer verification
  std::vector<member_view> members;
};

} // namespace nsq
