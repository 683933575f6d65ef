#pragma once

// Channel discovery for a topic created at run time (nsqd reference §11.2,
// nsqd's clusterinfo.GetLookupdTopicChannels): every lookupd's HTTP
// `/channels?topic=` is asked in parallel, each GET in a short-lived detached
// actor (Boost.Beast blocks), and the sorted union is the answer.

#include "actors/auth_client.hpp"

#include <caf/fwd.hpp>

#include <string>
#include <vector>

namespace nsq {

/// Asks every address in `http_addresses` for `topic`'s channels and
/// delivers the sorted union through `rp` (a std::vector<std::string>);
/// failed lookupds are logged as nsqd logs them and contribute nothing.
void discover_lookupd_channels(caf::event_based_actor* self,
                               std::vector<std::string> http_addresses,
                               const std::string& topic, const http_client_options& http,
                               caf::response_promise rp);

/// Spawns a detached actor that answers one (lk_chans_atom, url) with the
/// `channels` of that lookupd `/channels` answer, or an error, and quits.
caf::actor spawn_lookupd_channels_query(caf::actor_system& sys, http_client_options http);

} // namespace nsq
