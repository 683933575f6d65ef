#pragma once

// A broker inside a user's own CAF program (docs/cluster.md, "Embedding"):
// the same broker, topic and channel actors as caf-nsqd, without sockets.
// The program publishes with (publish_atom, bodies, defer) to a topic actor
// and consumes by playing a session's part towards a channel actor
// (subscribe_atom, ready_atom, credit_atom, deliver_atom, finish_atom; see
// actors/messages.hpp and examples/embedded.cpp). Optionally the program
// joins a caf-nsqd cluster as a member (--cluster-address, --cluster-peer).

#include "protocol/settings.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <memory>
#include <string>

namespace nsq {

/// How an embedded broker runs. `broker` holds nsqd's settings with nsqd's
/// defaults (mem_queue_size, msg_timeout, ...); its listener addresses are
/// ignored. Cluster: broker.cluster_address ("" = off),
/// cluster_broadcast_address, cluster_peers, cluster_timeout and the
/// cluster_tls_* files, as caf-nsqd's flags.
struct embedded_options {
  settings broker;
  /// Keep messages beyond mem_queue_size (and every message at stop) on disk
  /// in broker.data_path, which this process then locks; false = memory only
  /// (what exceeds memory is refused, nothing survives a restart).
  bool durable = false;
};

/// Prepares the program's actor_system_config: announces the broker's
/// message types and, with a cluster address, loads CAF's middleman (and
/// caf_openssl with the TLS files: do not load them again). Call once,
/// before constructing the system.
void configure_embedded(caf::actor_system_config& cfg, const embedded_options& opts);

/// A running embedded broker. Stops (persisting, if durable) when destroyed;
/// destroy it before its actor system, after awaiting the system's actors.
class embedded_broker {
public:
  embedded_broker();
  ~embedded_broker();
  embedded_broker(const embedded_broker&) = delete;
  embedded_broker& operator=(const embedded_broker&) = delete;

  /// Spawns the broker (durable: after locking the data path and loading
  /// nsqd.dat) and, with a cluster address, publishes the membership actor
  /// and joins the peers. The system must come from a config prepared by
  /// configure_embedded. Returns "" or why it could not start.
  std::string start(caf::actor_system& sys, const embedded_options& opts);

  /// The broker: (get_topic_atom, name) → topic actor.
  const caf::actor& broker() const;
  /// The membership actor (cl_view_atom → cluster_view), or invalid.
  const caf::actor& membership() const;

  /// Leaves the cluster and stops the broker; the caller then awaits its
  /// actor system (sys.await_all_actors_done()) before exiting.
  void stop();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace nsq
