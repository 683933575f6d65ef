#pragma once

// nsqd's lookupLoop as an actor: keeps the current registrations (every
// topic and channel, ephemeral ones too) and one peer actor per lookupd TCP
// address; forwards each notification to every peer in arrival order; sends
// every peer a PING each 15 s; answers channel discovery for new topics from
// the lookupds' HTTP `/channels` (§11.2); replaces its peers on
// PUT /config/nsqlookupd_tcp_addresses.

#include "actors/http_client.hpp"
#include "actors/lookupd_transport.hpp"
#include "protocol/lookup_client_codec.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <string>
#include <vector>

namespace nsq {

struct lookupd_coordinator_config {
  std::vector<std::string> addresses; ///< --lookupd-tcp-address values
  lookup_client_identity identity;
  int64_t max_body_size = 5242880;
  http_client_options http;            ///< connect/request timeouts of `/channels`
  std::shared_ptr<http_client> client; ///< sends the `/channels` GETs
  lookupd_transport_factory transport;
};

/// Spawns the coordinator. It keeps registrations from the start, and once
/// told nsqd's identity (lk_start_atom) spawns a peer per address, each
/// dialing at once, and starts the 15 s PING ticker.
/// Messages: (lk_cmd_atom, lookup_command); (lk_chans_atom, topic) →
/// std::vector<std::string>; (lk_addrs_atom) → std::vector<std::string>;
/// (lk_addrs_atom, std::vector<std::string>) → the same. An exit closes
/// every peer.
caf::actor spawn_lookupd_coordinator(caf::actor_system& sys,
                                     lookupd_coordinator_config cfg);

} // namespace nsq
