#pragma once

// Collecting nsqd's stats from the actors (broker → topics → channels →
// clients), each actor answering for itself so delivery never stalls. Used by
// /stats, /metrics and the statsd pusher; implemented in http_stats.cpp.

#include "actors/http_api.hpp"
#include "protocol/stats.hpp"

#include <caf/fwd.hpp>

#include <functional>
#include <memory>
#include <string>

namespace nsq {

/// Which parts of the stats to gather.
struct stats_query {
  std::string topic;   ///< empty: every topic
  std::string channel; ///< empty: every channel
  bool include_clients = true;
  bool include_mem = true;
};

/// Gathers a stats report with these filters in a short-lived actor, then
/// calls `done` with it (from that actor's thread).
void gather_stats(caf::actor_system& sys, std::shared_ptr<const http_context> ctx,
                  stats_query q, std::function<void(stats_report)> done);

} // namespace nsq
