#pragma once

// The vocabulary of caf-nsqlookupd's actors: net/ → lookup_session (decoded
// client input), lookup_session → lookup_registry (registration changes),
// HTTP → lookup_registry (one request, one http_response).

#include "protocol/http_response.hpp"
#include "protocol/lookup_peer.hpp"

#include <caf/atom.hpp>
#include <caf/fwd.hpp>

namespace nsq {

// -- net/ → lookup_session ------------------------------------------------------
/// (lk_cmd_atom, std::vector<std::string> tokens): a command line.
using lk_cmd_atom = caf::atom_constant<caf::atom("lk_cmd")>;
/// (lk_body_atom, std::string body): a first IDENTIFY with its body.
using lk_body_atom = caf::atom_constant<caf::atom("lk_body")>;
/// (lk_again_atom): IDENTIFY on a connection that already sent one.
using lk_again_atom = caf::atom_constant<caf::atom("lk_again")>;
/// (lk_fatal_atom, std::string data): an input error to answer, then close.
using lk_fatal_atom = caf::atom_constant<caf::atom("lk_fatal")>;
/// (lk_done_atom): the end of one read; answered with lookup_io::resume().
using lk_done_atom = caf::atom_constant<caf::atom("lk_done")>;
/// (lk_closed_atom): the socket is gone.
using lk_closed_atom = caf::atom_constant<caf::atom("lk_closed")>;

// -- lookup_session → lookup_registry -------------------------------------------
/// (lk_ident_atom, lookup_peer): IDENTIFY succeeded.
using lk_ident_atom = caf::atom_constant<caf::atom("lk_ident")>;
/// (lk_ping_atom, std::string peer_id): an identified PING.
using lk_ping_atom = caf::atom_constant<caf::atom("lk_ping")>;
/// (lk_reg_atom, peer_id, topic, channel): REGISTER.
using lk_reg_atom = caf::atom_constant<caf::atom("lk_reg")>;
/// (lk_unreg_atom, peer_id, topic, channel): UNREGISTER.
using lk_unreg_atom = caf::atom_constant<caf::atom("lk_unreg")>;
/// (lk_gone_atom, peer_id): the identified connection closed.
using lk_gone_atom = caf::atom_constant<caf::atom("lk_gone")>;

// -- HTTP → lookup_registry ------------------------------------------------------
/// (lk_http_atom, int32_t lookup_endpoint, std::string query) -> http_response
using lk_http_atom = caf::atom_constant<caf::atom("lk_http")>;

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, http_response& x) {
  return f(x.status, x.content_type, x.nsq_header, x.allow, x.location, x.body, x.close);
}

/// Announces the payload types above. Call on the actor_system_config.
void add_lookup_message_types(caf::actor_system_config& cfg);

} // namespace nsq
