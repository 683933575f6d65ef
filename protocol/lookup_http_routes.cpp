#include "protocol/lookup_http_routes.hpp"

#include <cctype>
#include <vector>

namespace nsq {

namespace {

struct route_entry {
  const char* path;
  lookup_endpoint target;
  const char* method;
};

constexpr route_entry routes[] = {
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

const route_entry* find_route(const std::string& path) {
  for (auto& r : routes)
    if (path == r.path)
      return &r;
  return nullptr;
}

std::string allow_of(const route_entry& r) {
  // Sorted, OPTIONS always included (httprouter).
  return std::string(r.method) == "GET" ? "GET, OPTIONS" : "OPTIONS, POST";
}

/// Go's path.Clean for rooted paths: collapses `//`, resolves `.` and `..`,
/// keeps a trailing slash (as httprouter's CleanPath does).
std::string clean_path(const std::string& p) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= p.size()) {
    auto j = p.find('/', i);
    if (j == std::string::npos)
      j = p.size();
    auto seg = p.substr(i, j - i);
    if (seg == "..") {
      if (!parts.empty())
        parts.pop_back();
    } else if (!seg.empty() && seg != ".") {
      parts.push_back(seg);
    }
    i = j + 1;
  }
  std::string out;
  for (auto& s : parts)
    out += "/" + s;
  if (out.empty())
    return "/";
  if (p.size() > 1 && p.back() == '/')
    out += "/";
  return out;
}

std::string lower(std::string s) {
  for (auto& c : s)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

/// The canonical path of a near miss (doubled slash, trailing slash, case).
std::optional<std::string> canonical(const std::string& method, const std::string& path) {
  auto clean = clean_path(path);
  std::vector<std::string> tries = {clean};
  if (clean.size() > 1 && clean.back() == '/')
    tries.push_back(clean.substr(0, clean.size() - 1));
  else
    tries.push_back(clean + "/");
  auto low = lower(clean);
  tries.push_back(low);
  if (low.size() > 1 && low.back() == '/')
    tries.push_back(low.substr(0, low.size() - 1));
  for (auto& t : tries) {
    auto* r = find_route(t);
    if (r != nullptr && method == r->method && t != path)
      return t;
  }
  return std::nullopt;
}

/// Go's htmlEscape (net/http), used on the redirect body's link.
std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
    case '&':
      out += "&amp;";
      break;
    case '<':
      out += "&lt;";
      break;
    case '>':
      out += "&gt;";
      break;
    case '"':
      out += "&#34;";
      break;
    case '\'':
      out += "&#39;";
      break;
    default:
      out += c;
    }
  }
  return out;
}

http_response redirect(const std::string& method, const std::string& to,
                       const std::string& query) {
  http_response r;
  r.status = method == "GET" ? 301 : 307;
  r.nsq_header = false;
  r.location = query.empty() ? to : to + "?" + query;
  if (method == "GET") {
    r.content_type = "text/html; charset=utf-8";
    // http.Redirect: Fprintln of "<a href=...>Moved Permanently</a>.\n".
    r.body = "<a href=\"" + html_escape(r.location) + "\">Moved Permanently</a>.\n\n";
  }
  return r;
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
  if (method != "CONNECT" && path != "/") {
    if (auto to = canonical(method, path)) {
      out.answer = redirect(method, *to, query);
      return out;
    }
  }
  if (r != nullptr && method == "OPTIONS") {
    http_response ans;
    ans.nsq_header = false;
    ans.allow = allow_of(*r);
    out.answer = ans;
    return out;
  }
  if (r != nullptr) {
    auto ans = nsq_error(405, "METHOD_NOT_ALLOWED");
    ans.allow = allow_of(*r);
    out.answer = ans;
    return out;
  }
  out.answer = nsq_error(404, "NOT_FOUND");
  return out;
}

bool lookup_needs_db(lookup_endpoint e) {
  return e != lookup_endpoint::ping && e != lookup_endpoint::info;
}

} // namespace nsq
