#pragma once

// nsqlookupd's HTTP API without sockets (reference §9): httprouter-style
// routing (404, 405 + Allow, OPTIONS, 301/307 canonical-path redirects) and
// every endpoint's answer computed from a lookup_db, byte for byte.

#include "protocol/http_response.hpp"
#include "protocol/lookup_db.hpp"

#include <optional>
#include <string>

namespace nsq {

enum class lookup_endpoint {
  ping,
  info,
  debug,
  lookup,
  topics,
  channels,
  nodes,
  topic_create,
  topic_delete,
  channel_create,
  channel_delete,
  topic_tombstone,
};

/// The outcome of routing: an endpoint to serve, or a finished answer.
struct lookup_route {
  std::optional<lookup_endpoint> target;
  std::optional<http_response> answer;
};

/// Routes `method` `path`; `query` is kept on redirects.
lookup_route route_lookup_request(const std::string& method, const std::string& path,
                                  const std::string& query);

/// Returns whether `e` reads or changes the registration database (the rest
/// are answered without the registry).
bool lookup_needs_db(lookup_endpoint e);

/// Serves `e` with the raw `query` (no `?`) at time `now` (ns).
http_response serve_lookup_http(lookup_db& db, lookup_endpoint e,
                                const std::string& query, int64_t now,
                                const lookup_liveness& l);

} // namespace nsq
