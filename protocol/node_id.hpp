#pragma once

#include <cstdint>
#include <string_view>

namespace nsq {

/// Returns nsqd's default node ID (its --node-id default) for `hostname`:
/// CRC-32 (IEEE) of the MD5 digest of the name, mod 1024.
int64_t node_id_for(std::string_view hostname);

} // namespace nsq
