#pragma once

// nsqd's HTTP routing (httprouter's rules, reference §13.1–13.2): which
// paths exist with which methods, 405 with Allow, OPTIONS, canonical-path
// redirects (301 for GET, 307 otherwise), and each route's body limit.

#include "protocol/http_response.hpp"
#include "protocol/settings.hpp"

#include <cstdint>
#include <optional>
#include <string>

namespace nsq {

/// The endpoints we serve (nsqd's plus /metrics).
enum class endpoint {
  ping,
  info,
  pub,
  mpub,
  stats,
  metrics,
  topic_create,
  topic_delete,
  topic_empty,
  topic_pause,
  topic_unpause,
  channel_create,
  channel_delete,
  channel_empty,
  channel_pause,
  channel_unpause,
  config,
  debug_setblockrate,
  debug_freememory,
  cluster, ///< ours (docs/cluster.md); 404 when clustering is off
};

/// The outcome of routing a method and path.
struct route {
  std::optional<endpoint> target;      ///< set when the request is served
  std::optional<http_response> answer; ///< set otherwise (404/405/OPTIONS/redirect)
  std::string param;                   ///< `:opt` of /config/:opt
};

/// Routes `method` `path` (the query is not part of `path`; `query` is kept
/// on redirects).
route route_request(const std::string& method, const std::string& path,
                    const std::string& query);

/// The most body bytes `e` reads, and the answer when a body is longer.
struct body_limit {
  int64_t max = 0;
  http_response too_big;
};

/// Returns the body limit of endpoint `e` (nothing routed: `max-body-size`).
body_limit body_limit_of(const std::optional<endpoint>& e, const settings& cfg);

} // namespace nsq
