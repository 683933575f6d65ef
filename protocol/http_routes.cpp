#include "protocol/http_routes.hpp"

#include "protocol/router_fallback.hpp"

#include <algorithm>
#include <vector>

namespace nsq {

namespace {

struct route_entry {
  const char* path; ///< "/config/" is a prefix route for /config/:opt
  endpoint target;
  std::vector<const char*> methods;
};

const std::vector<route_entry>& table() {
  static const std::vector<route_entry> t = {
      {"/ping", endpoint::ping, {"GET"}},
      {"/info", endpoint::info, {"GET"}},
      {"/pub", endpoint::pub, {"POST"}},
      {"/mpub", endpoint::mpub, {"POST"}},
      {"/stats", endpoint::stats, {"GET"}},
      {"/metrics", endpoint::metrics, {"GET"}},
      {"/cluster", endpoint::cluster, {"GET"}},
      {"/topic/create", endpoint::topic_create, {"POST"}},
      {"/topic/delete", endpoint::topic_delete, {"POST"}},
      {"/topic/empty", endpoint::topic_empty, {"POST"}},
      {"/topic/pause", endpoint::topic_pause, {"POST"}},
      {"/topic/unpause", endpoint::topic_unpause, {"POST"}},
      {"/channel/create", endpoint::channel_create, {"POST"}},
      {"/channel/delete", endpoint::channel_delete, {"POST"}},
      {"/channel/empty", endpoint::channel_empty, {"POST"}},
      {"/channel/pause", endpoint::channel_pause, {"POST"}},
      {"/channel/unpause", endpoint::channel_unpause, {"POST"}},
      {"/config/", endpoint::config, {"GET", "PUT"}},
      {"/debug/setblockrate", endpoint::debug_setblockrate, {"PUT"}},
      {"/debug/freememory", endpoint::debug_freememory, {"POST"}},
  };
  return t;
}

/// Finds the entry of `path` exactly; `param` gets /config's `:opt`.
const route_entry* lookup(const std::string& path, std::string& param) {
  for (auto& e : table()) {
    std::string p = e.path;
    if (p.back() == '/') {
      auto rest = path.size() > p.size() && path.compare(0, p.size(), p) == 0
                      ? path.substr(p.size())
                      : std::string();
      if (!rest.empty() && rest.find('/') == std::string::npos) {
        param = rest;
        return &e;
      }
    } else if (path == p) {
      return &e;
    }
  }
  return nullptr;
}

bool allows(const route_entry& e, const std::string& method) {
  return std::find_if(e.methods.begin(), e.methods.end(),
                      [&](const char* m) { return method == m; }) != e.methods.end();
}

std::string allow_header(const route_entry& e) {
  std::vector<std::string> ms(e.methods.begin(), e.methods.end());
  ms.emplace_back("OPTIONS");
  std::sort(ms.begin(), ms.end());
  std::string out;
  for (auto& m : ms)
    out += (out.empty() ? "" : ", ") + m;
  return out;
}

} // namespace

route route_request(const std::string& method, const std::string& path,
                    const std::string& query) {
  route out;
  std::string param;
  auto* e = lookup(path, param);
  if (e != nullptr && allows(*e, method)) {
    out.target = e->target;
    out.param = std::move(param);
    return out;
  }
  route_table_view view{[](const std::string& m, const std::string& p) {
                          std::string ignored;
                          auto* found = lookup(p, ignored);
                          return found != nullptr && allows(*found, m);
                        },
                        [](const std::string& p) {
                          std::string ignored;
                          auto* found = lookup(p, ignored);
                          return found != nullptr ? allow_header(*found) : std::string();
                        }};
  out.answer = router_fallback(view, method, path, query);
  return out;
}

body_limit body_limit_of(const std::optional<endpoint>& e, const settings& cfg) {
  if (e == endpoint::pub)
    return {cfg.max_msg_size, nsq_error(413, "MSG_TOO_BIG")};
  if (e == endpoint::config)
    return {cfg.max_msg_size, nsq_error(413, "INVALID_VALUE")};
  return {cfg.max_body_size, nsq_error(413, "BODY_TOO_BIG")};
}

} // namespace nsq
