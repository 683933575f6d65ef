#pragma once

// What nsqlookupd knows about one identified TCP connection (reference §5.1,
// §7.1 PeerInfo): the IDENTIFY fields plus its peer id and liveness stamp.

#include <cstdint>
#include <string>

namespace nsq {

struct lookup_peer {
  std::string id; ///< the remote `ip:port`; also `remote_address`
  std::string hostname;
  std::string broadcast_address;
  int64_t tcp_port = 0;
  int64_t http_port = 0;
  std::string version;
  std::string topology_zone;
  std::string topology_region;
  int64_t last_update = 0; ///< ns since the epoch of the last IDENTIFY or PING
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lookup_peer& x) {
  return f(x.id, x.hostname, x.broadcast_address, x.tcp_port, x.http_port, x.version,
           x.topology_zone, x.topology_region, x.last_update);
}

} // namespace nsq
