#pragma once

// The HTTP call to the auth servers (reference §9.2), off every shared
// thread and without a thread of its own: each query is a short-lived
// event-based actor that drives the asynchronous http_client (net/, on the
// broker's io_context) and gets each answer back as a message. A slow auth
// server stalls only the session that asked, and costs one socket.

#include "actors/http_client.hpp"
#include "protocol/auth_request.hpp"

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>

#include <memory>
#include <string>
#include <vector>

namespace nsq {

/// (auth_query_atom) → std::string: the body of the first auth server answer
/// that passes decode_auth_response, or an error naming the last failure.
using auth_query_atom = caf::atom_constant<caf::atom("auth_query")>;

/// What one auth query needs.
struct auth_job {
  std::vector<std::string> addresses; ///< --auth-http-address values
  auth_query query;
  http_client_options http;
};

/// Spawns an actor that answers one auth_query_atom and quits. It tries
/// every address once, from a random one on (nsqd's QueryAnyAuthd), each
/// GET through `client` (an error answer when `client` is null). It quits
/// early when `requester` (if given) goes away (e.g. a session that died of
/// a fatal error), instead of waiting for a slow auth server's answer.
caf::actor spawn_auth_query(caf::actor_system& sys, auth_job job,
                            std::shared_ptr<http_client> client,
                            caf::actor requester = {});

} // namespace nsq
