#pragma once

// One actor per nsqd→nsqlookupd TCP connection (reference §4): applies the
// V1 state machine to the decoded input net/ sends it, answers through its
// lookup_io, forwards registration changes to the registry, and drops the
// peer's registrations when the socket goes away.

#include "actors/lookupd/lookup_io.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <memory>
#include <string>

namespace nsq {

/// What IDENTIFY answers with (lookupd's own identity, §5.1).
struct lookup_identity {
  std::string broadcast_address;
  std::string hostname;
  int http_port = 0;
  int tcp_port = 0;
};

caf::actor spawn_lookup_session(caf::actor_system& sys, std::shared_ptr<lookup_io> io,
                                caf::actor registry, std::string peer_id,
                                std::shared_ptr<const lookup_identity> me);

} // namespace nsq
