#pragma once

// Private to actors/http_*.cpp: the handlers behind handle_http().

#include "actors/http_api.hpp"
#include "actors/stats_gathering.hpp"
#include "protocol/http_query.hpp"
#include "protocol/stats.hpp"

#include <caf/fwd.hpp>

namespace nsq {

/// Timeout of each question the API asks an actor.
inline constexpr auto http_ask_timeout = std::chrono::seconds(10);

/// /stats and /metrics.
void serve_stats(caf::actor_system& sys, std::shared_ptr<const http_context> ctx,
                 const query_params& q, http_reply reply);
void serve_metrics(caf::actor_system& sys, std::shared_ptr<const http_context> ctx,
                   http_reply reply);

/// /topic/* and /channel/*.
void serve_admin(caf::actor_system& sys, std::shared_ptr<const http_context> ctx,
                 endpoint target, const query_params& q, http_reply reply);

/// GET and PUT /config/nsqlookupd_tcp_addresses (the coordinator holds them).
void serve_lookupd_config(caf::actor_system& sys, std::shared_ptr<const http_context> ctx,
                          const http_call& call, http_reply reply);

/// GET /cluster (404 when clustering is off), and /stats JSON with a
/// `cluster` field when it is on (actors/http_cluster.cpp).
void serve_cluster(caf::actor_system& sys, std::shared_ptr<const http_context> ctx,
                   http_reply reply);
void add_cluster_field(caf::actor_system& sys, std::shared_ptr<const http_context> ctx,
                       std::string stats_json, http_reply reply);

/// Returns Unix nanoseconds now.
int64_t unix_now_ns();

} // namespace nsq
