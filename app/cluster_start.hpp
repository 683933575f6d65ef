#pragma once

// Starting the cluster (docs/cluster.md): the middleman (and caf_openssl with
// --cluster-tls-*) in the actor system's config, the membership actor
// published on --cluster-address, joining the --cluster-peer addresses.
// Nothing of this runs without --cluster-address.

#include "protocol/settings.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <cstdint>
#include <string>

namespace nsq {

/// Returns "" or why the cluster flags cannot work (the text after
/// `failed to instantiate nsqd - `): addresses, TLS files that do not load.
std::string validate_cluster(const settings& opts);

/// Loads CAF's middleman (and caf_openssl with the TLS files) and turns on
/// its heartbeats and connection timeout; nothing when clustering is off.
void configure_cluster(caf::actor_system_config& cfg, const settings& opts);

/// How this node introduces itself to the cluster.
struct cluster_identity {
  std::string broadcast_address;
  uint16_t tcp_port = 0;
  uint16_t http_port = 0;
};

/// The membership actor once published, or why publishing failed.
struct cluster_start {
  caf::actor membership; ///< invalid when clustering is off or it failed
  caf::actor directory;  ///< the channel directory, with the membership actor
  std::string error;
};

/// Spawns the membership actor and the channel directory (which the broker
/// then tells of SUBs and new topics), publishes it on --cluster-address (logging
/// `CLUSTER: listening on <host>:<port>`) and starts joining the peers.
cluster_start start_cluster(caf::actor_system& sys, const settings& opts,
                            const caf::actor& broker, const cluster_identity& who);

} // namespace nsq
