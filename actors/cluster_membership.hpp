#pragma once

// The membership actor (docs/cluster.md): one per node, published with CAF's
// middleman on --cluster-address. It joins the --cluster-peer addresses,
// learns the rest of the cluster from each answer and from gossip (full
// mesh: it connects to every member), monitors every member's membership
// actor (the middleman turns a broken or silent connection into a down
// message), and reconnects with back-off to members that went away.
//
// Local API (actors/cluster_messages.hpp): cl_view (what GET /cluster shows),
// cl_watch / cl_event (membership changes, with each alive member's
// membership actor), cl_broker (this node's or a member's broker actor).

#include "protocol/cluster_view.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>
#include <caf/timespan.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace nsq {

/// What a membership actor is started with.
struct membership_config {
  std::vector<std::string> seeds; ///< --cluster-peer addresses (host:port)
  /// Connects to a published membership actor: answers
  /// (caf::connect_atom, std::string host, uint16_t port) with
  /// (caf::node_id, caf::strong_actor_ptr, std::set<std::string>) as CAF's
  /// middleman actor does (app/ passes the plain or the OpenSSL one; tests a fake).
  caf::actor connector;
  caf::actor broker;    ///< this node's broker, handed to members that ask
  bool tls = false;     ///< shown in the view
  int64_t node_id = -1; ///< --node-id, told to members' directories (-1: unknown)
  caf::timespan retry_min{std::chrono::milliseconds(250)}; ///< first back-off
  caf::timespan retry_max{std::chrono::seconds(5)};        ///< back-off cap
  caf::timespan ask_timeout{std::chrono::seconds(5)};      ///< per connect and per join
  /// Each retry waits its back-off plus up to this share of it more, at
  /// random: two members that lost each other at the same moment would
  /// otherwise retry in lockstep and their connects cross again and again.
  /// 0 (the tests' default) keeps the delays exact.
  double retry_jitter = 0;
};

/// Spawns the membership actor. It joins its seeds once told who it is:
/// (cl_start_atom, member_info self), sent when it is published.
caf::actor spawn_membership(caf::actor_system& sys, membership_config cfg);

/// Splits `host:port` (`[v6]:port` too); false if it is not one.
bool split_cluster_address(const std::string& address, std::string& host, uint16_t& port);

} // namespace nsq
