#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace nsq {

/// Returns nsqd's default node ID for `hostname`: CRC-32 (IEEE) of the MD5
/// digest of the name, mod 1024.
int64_t node_id_for(std::string_view hostname);

/// Returns the OS hostname, or "" when it cannot be read.
std::string os_hostname();

} // namespace nsq
