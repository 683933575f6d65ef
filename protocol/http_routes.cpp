#include "protocol/http_routes.hpp"

#include <algorithm>
#include <cctype>
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

std::string lower(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// The canonical path of a near miss (trailing slash, letter case), if any
/// route serves `method` there.
std::optional<std::string> canonical(const std::string& method, const std::string& path) {
  std::vector<std::string> tries;
  if (path.size() > 1 && path.back() == '/')
    tries.push_back(path.substr(0, path.size() - 1));
  else
    tries.push_back(path + "/");
  auto low = lower(path);
  tries.push_back(low);
  if (low.size() > 1 && low.back() == '/')
    tries.push_back(low.substr(0, low.size() - 1));
  for (auto& t : tries) {
    std::string param;
    auto* e = lookup(t, param);
    if (e != nullptr && allows(*e, method) && t != path)
      return t;
  }
  return std::nullopt;
}

http_response redirect(const std::string& method, const std::string& to,
                       const std::string& query) {
  http_response r;
  r.status = method == "GET" ? 301 : 307;
  r.nsq_header = false;
  r.location = query.empty() ? to : to + "?" + query;
  if (method == "GET") {
    r.content_type = "text/html; charset=utf-8";
    r.body = std::string("<a href=\"") + r.location + "\">Moved Permanently</a>.\n\n";
  }
  return r;
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
  if (method != "CONNECT" && path != "/") {
    if (auto to = canonical(method, path)) {
      out.answer = redirect(method, *to, query);
      return out;
    }
  }
  if (e != nullptr && method == "OPTIONS") {
    http_response r;
    r.nsq_header = false;
    r.allow = allow_header(*e);
    out.answer = r;
    return out;
  }
  if (e != nullptr) {
    auto r = nsq_error(405, "METHOD_NOT_ALLOWED");
    r.allow = allow_header(*e);
    out.answer = r;
    return out;
  }
  out.answer = nsq_error(404, "NOT_FOUND");
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
