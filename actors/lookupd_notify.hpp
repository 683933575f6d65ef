#pragma once

// The one call the broker and topics make when a topic or channel comes or
// goes: a fire-and-forget message to the lookupd coordinator, if there is
// one. A dead or slow lookupd can therefore never stall them.

#include "protocol/lookup_client_codec.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <string>

namespace nsq {

/// Returns the coordinator published in `sys`'s registry, or an invalid handle.
caf::actor lookupd_coordinator(caf::actor_system& sys);

/// Sends `REGISTER`/`UNREGISTER topic [channel]` to the coordinator (no-op
/// without one).
void notify_lookupd(caf::local_actor* self, lookup_op op, const std::string& topic,
                    const std::string& channel = {});

} // namespace nsq
