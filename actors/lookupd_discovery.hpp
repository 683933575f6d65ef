#pragma once

// Channel discovery for a topic created at run time (nsqd reference §11.2,
// nsqd's clusterinfo.GetLookupdTopicChannels): every lookupd's HTTP
// `/channels?topic=` is asked in parallel through the asynchronous
// http_client (no thread per GET), and the sorted union is the answer.

#include "actors/http_client.hpp"

#include <caf/fwd.hpp>

#include <memory>
#include <string>
#include <vector>

namespace nsq {

/// Asks every address in `http_addresses` for `topic`'s channels through
/// `client` and delivers the sorted union through `rp` (a
/// std::vector<std::string>); failed lookupds are logged as nsqd logs them
/// and contribute nothing. Each GET is driven by a short-lived event-based
/// actor that gets the client's answer back as a message.
void discover_lookupd_channels(caf::event_based_actor* self,
                               std::vector<std::string> http_addresses,
                               const std::string& topic, const http_client_options& http,
                               const std::shared_ptr<http_client>& client,
                               caf::response_promise rp);

} // namespace nsq
