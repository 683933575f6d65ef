#pragma once

// nsqlookupd's HTTP routing (httprouter's rules, reference §9.1-§9.2): which
// paths exist with which method, 404, 405 with Allow, OPTIONS, and the
// 301/307 redirects to the canonical path.

#include "protocol/http_response.hpp"

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

} // namespace nsq
