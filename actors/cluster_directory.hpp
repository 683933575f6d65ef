#pragma once

// The channel directory (docs/cluster.md, "Cluster-wide consumption"): one
// per node with --cluster-address. It keeps which local sessions subscribe
// to which (topic, channel), tells every other alive member's directory which
// pairs this node wants (cl_want), and hands each channel those members
// answer with (cl_found) to the interested sessions (cl_attach). In the other
// role it answers members' wants with its own node's channels, for topics
// that exist here now or are created later; it never creates a topic.
// Only the SUB and topic-creation paths pass through it, never a message.

#include <caf/actor.hpp>
#include <caf/fwd.hpp>
#include <caf/timespan.hpp>

#include <chrono>

namespace nsq {

/// What a channel directory is started with.
struct directory_config {
  caf::actor broker;     ///< this node's broker (find_atom, get_channel via topics)
  caf::actor membership; ///< this node's membership actor (cl_watch); may be invalid
  caf::timespan ask_timeout{std::chrono::seconds(5)}; ///< per request
  caf::timespan retry{std::chrono::seconds(1)};       ///< before asking a member again
  int64_t node_id = -1; ///< this node's --node-id: a member with the same one is logged
};

/// Spawns the directory and introduces it to the broker and the membership
/// actor (cl_directory_atom) before returning, so a member asking for it
/// after the membership actor is published finds it.
caf::actor spawn_directory(caf::actor_system& sys, directory_config cfg);

} // namespace nsq
