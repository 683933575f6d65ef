#include "protocol/lookup_http_routes.hpp"

#include "protocol/router_fallback.hpp"

#include <vector>

namespace nsq {

namespace {

struct lookup_route_entry {
  const char* path;
  lookup_endpoint target;
  const char* method;
};

constexpr lookup_route_entry routes[] = {
    {"/ping", lookup_endpoint::ping, "GET"},
    {"/info", lookup_endpoint::info, "GET"},
    {"/debug", lookup_endpoint::debug, "GET"},
    {"/lookup", lookup_endpoint::lookup, "GET"},
    {"/topics", lookup_endpoint::topics, "GET"},
    {"/channels", lookup_endpoint::channels, "GET"},
    {"/nodes", lookup_endpoint::nodes, "GET"},
    {"/topic/create", lookup_endpoint::topic_create, "POST"},
    {"/topic/delete", lookup_endpoint::topic_delete, "POST"},
    {"/channel/create", lookup_endpoint::channel_create, "POST"},
    {"/channel/delete", lookup_endpoint::channel_delete, "POST"},
    {"/topic/tombstone", lookup_endpoint::topic_tombstone, "POST"},
};

const lookup_route_entry* find_route(const std::string& path) {
  for (auto& r : routes)
    if (path == r.path)
      return &r;
  return nullptr;
}

std::string allow_of(const lookup_route_entry& r) {
  // Sorted, OPTIONS always included (httprouter).
  return std::string(r.method) == "GET" ? "GET, OPTIONS" : "OPTIONS, POST";
}

} // namespace

lookup_route route_lookup_request(const std::string& method, const std::string& path,
                                  const std::string& query) {
  lookup_route out;
  auto* r = find_route(path);
  if (r != nullptr && method == r->method) {
    out.target = r->target;
    return out;
  }
  route_table_view view{[](const std::string& m, const std::string& p) {
                          auto* e = find_route(p);
                          return e != nullptr && m == e->method;
                        },
                        [](const std::string& p) {
                          auto* e = find_route(p);
                          return e != nullptr ? allow_of(*e) : std::string();
                        }};
  out.answer = router_fallback(view, method, path, query);
  return out;
}

bool lookup_needs_db(lookup_endpoint e) {
  return e != lookup_endpoint::ping && e != lookup_endpoint::info;
}

} // namespace nsq
