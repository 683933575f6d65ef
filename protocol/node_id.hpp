#pragma once

#include <cstdint>
#include <string_view>

namespace nsq {

/// Returns nsqd's default node ID (its --node-id default) for `hostname`:
/// CRC-32 (IEEE) of the MD5 digest of the name, mod 1024.
int64_t node_id_for(std::string_view hostname);

/// Returns caf-nsqd's default node ID in a cluster: node_id_for of the
/// hostname and the node's addresses, so members on one host (which share
/// the hostname) do not mint colliding message IDs. Not nsqd's value.
int64_t cluster_node_id_for(std::string_view hostname, std::string_view tcp_address,
                            std::string_view broadcast_address,
                            std::string_view cluster_address);

} // namespace nsq
