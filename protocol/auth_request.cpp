#include "protocol/auth_request.hpp"

#include "protocol/ascii_lower.hpp"
#include "protocol/bounded_json.hpp"

#include <nlohmann/json.hpp>

#include <cctype>

namespace nsq {

namespace {

/// Go's url.QueryEscape: unreserved bytes stay, space becomes `+`, the rest %XX.
void append_query_escaped(std::string& out, std::string_view s) {
  static const char hex[] = "0123456789ABCDEF";
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += ch;
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 0xf];
    }
  }
}

void append_pair(std::string& out, const char* key, std::string_view value) {
  if (!out.empty())
    out += '&';
  out += key;
  out += '=';
  append_query_escaped(out, value);
}

bool all_digits(std::string_view s) {
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c)))
      return false;
  return true;
}

/// Splits `authority` (userinfo dropped) into host and port.
bool split_authority(std::string_view authority, std::string_view scheme, http_url& out) {
  auto at = authority.rfind('@');
  if (at != std::string_view::npos)
    authority.remove_prefix(at + 1);
  out.host_header = std::string(authority);
  std::string_view host = authority;
  std::string_view port;
  if (!host.empty() && host.front() == '[') {
    auto close = host.find(']');
    if (close == std::string_view::npos)
      return false;
    auto rest = host.substr(close + 1);
    host = host.substr(1, close - 1);
    if (!rest.empty()) {
      if (rest.front() != ':')
        return false;
      port = rest.substr(1);
    }
  } else {
    auto colon = host.rfind(':');
    if (colon != std::string_view::npos) {
      port = host.substr(colon + 1);
      host = host.substr(0, colon);
    }
  }
  if (host.empty() || !all_digits(port) || port.size() > 5)
    return false;
  out.host = std::string(host);
  if (!port.empty())
    out.port = std::string(port);
  else
    out.port = scheme == "https" ? "443" : "80";
  return true;
}

} // namespace

std::string encode_auth_query(const auth_query& q) {
  std::string out;
  append_pair(out, "common_name", q.common_name);
  append_pair(out, "remote_ip", q.remote_ip);
  append_pair(out, "secret", q.secret);
  append_pair(out, "tls", q.tls ? "true" : "false");
  return out;
}

std::string auth_url(std::string_view address, const auth_query& q) {
  std::string url;
  if (address.find("://") != std::string_view::npos)
    url = std::string(address);
  else
    url = "http://" + std::string(address) + "/auth";
  return url + "?" + encode_auth_query(q);
}

bool parse_http_url(std::string_view url, http_url& out) {
  auto sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0)
    return false;
  out.scheme = ascii_lower(url.substr(0, sep));
  url.remove_prefix(sep + 3);
  auto hash = url.find('#');
  if (hash != std::string_view::npos)
    url = url.substr(0, hash);
  auto end = url.find_first_of("/?");
  auto authority = url.substr(0, end);
  if (!split_authority(authority, out.scheme, out))
    return false;
  std::string_view rest =
      end == std::string_view::npos ? std::string_view{} : url.substr(end);
  out.target =
      (rest.empty() || rest.front() != '/') ? "/" + std::string(rest) : std::string(rest);
  return true;
}

std::string https_redirect(const http_url& u, std::string_view body) {
  auto doc = parse_bounded_json(body);
  if (doc.is_discarded() || !(doc.is_object() || doc.is_null()))
    return {};
  int64_t port = 0;
  if (doc.is_object()) {
    auto i = doc.find("https_port");
    if (i != doc.end() && !i->is_null()) {
      if (!i->is_number_integer())
        return {};
      port = i->get<int64_t>();
    }
  }
  bool explicit_port = u.host_header.size() > u.port.size() &&
                       u.host_header.compare(u.host_header.size() - u.port.size() - 1,
                                             std::string::npos, ":" + u.port) == 0;
  if (!explicit_port || port < 0 || port > 65535)
    return {};
  bool v6 = u.host.find(':') != std::string::npos;
  std::string host = v6 ? "[" + u.host + "]" : u.host;
  return "https://" + host + ":" + std::to_string(port) + u.target;
}

} // namespace nsq
