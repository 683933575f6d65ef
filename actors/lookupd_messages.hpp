#pragma once

// The vocabulary of nsqd's lookupd registration (nsqd reference §16):
// broker/topic → coordinator notifications, coordinator → peer commands,
// transport → peer I/O results, and the channel-discovery question a new
// topic asks before it starts delivering (§11.2).

#include "protocol/lookup_client_codec.hpp"

#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/meta/type_name.hpp>

namespace nsq {

/// (lk_cmd_atom, lookup_command): a registration change or a PING, to the
/// coordinator (which forwards it to every peer in order) or to one peer.
using lk_cmd_atom = caf::atom_constant<caf::atom("lk_cmd")>;

/// (lk_io_atom, uint64_t generation, bool ok, std::string data_or_error):
/// the outcome of one transport operation, to its peer.
using lk_io_atom = caf::atom_constant<caf::atom("lk_io")>;

/// (lk_info_atom, std::string tcp_address, std::string http_address,
/// std::string peer_info_log_line): a
/// peer learned its lookupd's HTTP address from the IDENTIFY answer.
using lk_info_atom = caf::atom_constant<caf::atom("lk_info")>;

/// (lk_chans_atom, std::string topic) → std::vector<std::string>: the
/// channels every lookupd knows for `topic` (to the coordinator); or
/// (lk_chans_atom, std::string url) to a one-shot HTTP query actor.
using lk_chans_atom = caf::atom_constant<caf::atom("lk_chans")>;

/// (lk_addrs_atom) → std::vector<std::string>: the lookupd TCP addresses;
/// (lk_addrs_atom, std::vector<std::string>) replaces them (PUT /config).
using lk_addrs_atom = caf::atom_constant<caf::atom("lk_addrs")>;

/// (lk_start_atom, broadcast_address, hostname, http_port, tcp_port): the
/// listeners are bound, so the coordinator knows nsqd's IDENTIFY and
/// starts its peers (registrations received before are kept).
using lk_start_atom = caf::atom_constant<caf::atom("lk_start")>;

/// (lk_watch_atom, caf::actor broker): the coordinator quits with the
/// broker, so every shutdown path that stops the broker stops it too.
using lk_watch_atom = caf::atom_constant<caf::atom("lk_watch")>;

/// The coordinator's 15 s heartbeat tick (self-sent, delayed).
using lk_ping_atom = caf::atom_constant<caf::atom("lk_ping")>;

/// (lk_disc_atom, caf::actor coordinator): broker → a topic created at run
/// time: hold messages until the lookupds' channels exist (§11.2).
using lk_disc_atom = caf::atom_constant<caf::atom("lk_disc")>;

/// The registry key under which main() publishes the coordinator, so the
/// broker and topics notify it without a handle threaded through every spawn.
constexpr caf::atom_value lookupd_registry_key = caf::atom("lookupd");

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, lookup_command& x) {
  return f(caf::meta::type_name("nsq_lookup_command"), x.op, x.topic, x.channel);
}

/// Announces the lookupd payload types (called by add_message_types).
void add_lookupd_message_types(caf::actor_system_config& cfg);

} // namespace nsq
