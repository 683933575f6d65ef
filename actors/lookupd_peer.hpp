#pragma once

// One actor per --lookupd-tcp-address (nsqd's lookupPeer): it sends one
// command at a time, connecting lazily. A command on a disconnected peer
// first dials, writes the magic and IDENTIFY, re-registers everything, then
// sends the command itself (so a REGISTER that triggered the reconnection is
// seen twice, as with nsqd). Any I/O error closes the connection; the next
// command reconnects. After a failed connection attempt, commands arriving
// within the back-off (1 s doubling to 15 s) are dropped instead of dialing
// again: the next connection re-registers everything anyway.

#include "actors/lookupd_registrations.hpp"
#include "actors/lookupd_transport.hpp"
#include "protocol/lookup_client_codec.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <string>

namespace nsq {

struct lookupd_peer_config {
  std::string address; ///< as configured: `host:port`
  lookup_client_identity identity;
  int64_t max_body_size = 5242880;
  lookupd_transport_factory transport;
  caf::actor coordinator; ///< told the lookupd's HTTP address (lk_info_atom)
};

/// Spawns a peer that starts from `registered` and follows every
/// (lk_cmd_atom, lookup_command) it receives. An exit just closes the socket
/// (nsqd sends no UNREGISTER on shutdown).
caf::actor spawn_lookupd_peer(caf::actor_system& sys, lookupd_peer_config cfg,
                              lookupd_registrations registered);

} // namespace nsq
