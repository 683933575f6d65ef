#pragma once

// httprouter's answer for a request no route serves, shared by nsqd's and
// nsqlookupd's routing (both use julienschmidt/httprouter with its defaults).

#include "protocol/http_response.hpp"

#include <functional>
#include <string>

namespace nsq {

/// What the router knows of its routes.
struct route_table_view {
  /// Whether a route serves `method` at exactly `path`.
  std::function<bool(const std::string& method, const std::string& path)> serves;
  /// The Allow header of the route at `path` (sorted, OPTIONS included), ""
  /// if no route is there.
  std::function<std::string(const std::string& path)> allow;
};

/// For a (method, path) that `routes` does not serve: a redirect to the path's
/// near miss (cleaned, trailing slash, letter case; 301 for GET, else 307),
/// the OPTIONS answer, 405 METHOD_NOT_ALLOWED or 404 NOT_FOUND, in
/// httprouter's order.
http_response router_fallback(const route_table_view& routes, const std::string& method,
                              const std::string& path, const std::string& query);

} // namespace nsq
