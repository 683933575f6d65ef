#pragma once

// The cluster's membership vocabulary (docs/cluster.md): what membership
// actors say to each other across CAF's middleman, and what a local actor
// asks its own membership actor. Every payload has inspect() and is
// announced by name (add_cluster_message_types), so it crosses nodes.

#include "protocol/cluster_view.hpp"

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/meta/type_name.hpp>

#include <string>
#include <tuple>
#include <vector>

namespace nsq {

/// A (topic, channel) pair the channel directories trade.
struct channel_key {
  std::string topic;
  std::string channel;
  bool operator<(const channel_key& o) const {
    return std::tie(topic, channel) < std::tie(o.topic, o.channel);
  }
  bool operator==(const channel_key& o) const {
    return topic == o.topic && channel == o.channel;
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, channel_key& x) {
  return f(caf::meta::type_name("nsq_channel_key"), x.topic, x.channel);
}

/// A membership change, sent to local watchers (cl_watch_atom).
struct member_event {
  member_info info;
  member_state state = member_state::joining;
  caf::actor membership; ///< the member's membership actor; invalid unless alive
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_info& x) {
  return f(caf::meta::type_name("nsq_member_info"), x.cluster_address,
           x.broadcast_address, x.tcp_port, x.http_port, x.incarnation);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_view& x) {
  return f(caf::meta::type_name("nsq_member_view"), x.info, x.state, x.since_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, cluster_view& x) {
  return f(caf::meta::type_name("nsq_cluster_view"), x.self, x.tls, x.members);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, member_event& x) {
  return f(caf::meta::type_name("nsq_member_event"), x.info, x.state, x.membership);
}

// -- between membership actors (cross the wire) -----------------------------

/// (cl_join_atom, member_info joiner) → std::vector<member_info>: the
/// responder first, then every member it sees alive. The responder monitors
/// the joiner and gossips it to the others.
using cl_join_atom = caf::atom_constant<caf::atom("cl_join")>;
/// (cl_gossip_atom, member_info): a member joined; connect to it if unknown,
/// down, or a newer incarnation.
using cl_gossip_atom = caf::atom_constant<caf::atom("cl_gossip")>;
/// (cl_broker_atom) → caf::actor: this node's broker (for remote sessions).
/// (cl_broker_atom, std::string member_id) → caf::actor: that alive member's
/// broker, asked from its membership actor (error if it is not alive).
using cl_broker_atom = caf::atom_constant<caf::atom("cl_broker")>;

// -- cluster-wide consumption (docs/cluster.md) -----------------------------

/// (cl_sub_atom, std::string topic, std::string channel): session → its
/// broker, after a local SUB succeeded. With the cluster on, the broker
/// delegates it to the node's channel directory, which attaches the session
/// to that channel on every other member that has the topic, now and later;
/// without the cluster the broker ignores it.
using cl_sub_atom = caf::atom_constant<caf::atom("cl_sub")>;
/// (cl_attach_atom, std::string member, caf::actor channel): directory →
/// session: `channel` (of the session's topic/channel) lives on `member`.
/// The session subscribes to it and monitors it like its local channel; a
/// down message detaches it. Repeated attaches of one actor change nothing.
using cl_attach_atom = caf::atom_constant<caf::atom("cl_attach")>;
/// (cl_detach_atom, std::string member): directory → session: forget the
/// channels of `member` as if they had gone down (a reset from it, see
/// cl_reset_atom): unsubscribe, their in-flight IDs become orphans. A later
/// cl_attach of the same actor subscribes afresh.
using cl_detach_atom = caf::atom_constant<caf::atom("cl_detach")>;

// -- between channel directories (cross the wire) ---------------------------

/// (cl_directory_atom) → (caf::actor, int64_t node_id): asked of a member's
/// membership actor, its node's channel directory (error until it has one)
/// and --node-id (message IDs of two members with one id can collide).
/// (cl_directory_atom, caf::actor): local, the directory introduces itself
/// to its membership actor and its broker (which then delegates cl_sub and
/// reports topic creation).
using cl_directory_atom = caf::atom_constant<caf::atom("cl_dir")>;
/// (cl_want_atom, std::vector<channel_key>): directory → another member's
/// directory: this node has local subscribers of these pairs. The receiver
/// monitors the sender, answers cl_found for every pair whose topic it has
/// (creating the channel, never the topic), and again whenever such a topic
/// is created later.
using cl_want_atom = caf::atom_constant<caf::atom("cl_want")>;
/// (cl_unwant_atom, std::vector<channel_key>): the last local subscriber of
/// these pairs left; the receiver stops answering them.
using cl_unwant_atom = caf::atom_constant<caf::atom("cl_unwant")>;
/// (cl_found_atom, std::string topic, std::string channel, caf::actor):
/// answer to cl_want: the sender's node has that channel.
using cl_found_atom = caf::atom_constant<caf::atom("cl_found")>;
/// (cl_reset_atom): directory → another member's directory, sent before
/// its wants when the sender found that member alive again after it had
/// been down: "I lost you" - the sender's channels dropped the receiver's
/// sessions and the sender forgot its wants. The receiver (which may not
/// have noticed the break) detaches its sessions from the sender's channels
/// and sends its wants again. Idempotent.
using cl_reset_atom = caf::atom_constant<caf::atom("cl_reset")>;
/// (cl_topic_atom, std::string name, caf::actor topic): local, broker →
/// directory: a topic was created at run time (only with the cluster on).
using cl_topic_atom = caf::atom_constant<caf::atom("cl_topic")>;

// -- local API --------------------------------------------------------------

/// (cl_start_atom, member_info self): this node is published as `self`
/// (its cluster address carries the bound port); join the seeds.
using cl_start_atom = caf::atom_constant<caf::atom("cl_start")>;
/// (cl_view_atom) → cluster_view: for GET /cluster and /stats.
using cl_view_atom = caf::atom_constant<caf::atom("cl_view")>;
/// (cl_watch_atom): the sender gets (cl_event_atom, member_event) for every
/// known member now and for every state change later, until it ends or
/// sends (cl_unwatch_atom).
using cl_watch_atom = caf::atom_constant<caf::atom("cl_watch")>;
using cl_unwatch_atom = caf::atom_constant<caf::atom("cl_unwatch")>;
using cl_event_atom = caf::atom_constant<caf::atom("cl_event")>;

// -- timers (self-sent, generation-stamped) ---------------------------------

/// (cl_retry_atom, std::string cluster_address, uint64_t generation).
using cl_retry_atom = caf::atom_constant<caf::atom("cl_retry")>;
/// (cl_dretry_atom, std::string member_id, uint64_t generation): a
/// directory asks that member's membership actor for its directory again.
using cl_dretry_atom = caf::atom_constant<caf::atom("cl_dretry")>;

/// Announces the payload types above by name (called by add_message_types).
void add_cluster_message_types(caf::actor_system_config& cfg);

} // namespace nsq
