#include "protocol/router_fallback.hpp"

#include "protocol/ascii_lower.hpp"

#include <cctype>
#include <optional>
#include <vector>

namespace nsq {

namespace {

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

/// The canonical path of a near miss (doubled slash, trailing slash, case).
std::optional<std::string> canonical(const route_table_view& routes,
                                     const std::string& method, const std::string& path) {
  auto clean = clean_path(path);
  std::vector<std::string> tries = {clean};
  if (clean.size() > 1 && clean.back() == '/')
    tries.push_back(clean.substr(0, clean.size() - 1));
  else
    tries.push_back(clean + "/");
  auto low = ascii_lower(clean);
  tries.push_back(low);
  if (low.size() > 1 && low.back() == '/')
    tries.push_back(low.substr(0, low.size() - 1));
  for (auto& t : tries)
    if (t != path && routes.serves(method, t))
      return t;
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

http_response router_fallback(const route_table_view& routes, const std::string& method,
                              const std::string& path, const std::string& query) {
  if (method != "CONNECT" && path != "/")
    if (auto to = canonical(routes, method, path))
      return redirect(method, *to, query);
  auto allow = routes.allow(path);
  if (!allow.empty() && method == "OPTIONS") {
    http_response r;
    r.nsq_header = false;
    r.allow = std::move(allow);
    return r;
  }
  if (!allow.empty()) {
    auto r = nsq_error(405, "METHOD_NOT_ALLOWED");
    r.allow = std::move(allow);
    return r;
  }
  return nsq_error(404, "NOT_FOUND");
}

} // namespace nsq
