#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace nsq {

/// A listen address split like Go's net.SplitHostPort: `host:port`,
/// `[v6-host]:port`, or `:port` (all interfaces).
struct host_port {
  std::string host; ///< without brackets; empty = all interfaces
  uint16_t port = 0;
};

/// Splits `text` into host and port. Returns false (and leaves `out` alone)
/// when it is not `host:port` with a decimal port in [0, 65535], e.g. a unix
/// socket path.
bool parse_host_port(std::string_view text, host_port& out);

} // namespace nsq
