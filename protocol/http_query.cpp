#include "protocol/http_query.hpp"

namespace nsq {

namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/// Decodes `+` and %XX like Go's QueryUnescape; nothing on a bad escape.
std::optional<std::string> unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '+') {
      out += ' ';
    } else if (c == '%') {
      if (i + 2 >= s.size())
        return std::nullopt;
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi < 0 || lo < 0)
        return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += c;
    }
  }
  return out;
}

} // namespace

std::optional<query_params> parse_query(std::string_view query) {
  query_params out;
  while (!query.empty()) {
    auto amp = query.find('&');
    auto part = query.substr(0, amp);
    query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
    if (part.find(';') != std::string_view::npos)
      return std::nullopt;
    if (part.empty())
      continue;
    auto eq = part.find('=');
    auto k = unescape(part.substr(0, eq));
    auto v =
        unescape(eq == std::string_view::npos ? std::string_view{} : part.substr(eq + 1));
    if (!k || !v)
      return std::nullopt;
    out.emplace(std::move(*k), std::move(*v)); // emplace keeps the first value
  }
  return out;
}

const std::string* find_param(const query_params& q, const std::string& key) {
  auto it = q.find(key);
  return it == q.end() ? nullptr : &it->second;
}

void split_target(std::string_view target, std::string& path, std::string& query) {
  auto q = target.find('?');
  path = std::string(target.substr(0, q));
  query = q == std::string_view::npos ? std::string() : std::string(target.substr(q + 1));
}

bool query_bool(const std::string* v, bool fallback) {
  if (v == nullptr)
    return fallback;
  if (*v == "true" || *v == "1")
    return true;
  if (*v == "false" || *v == "0")
    return false;
  return fallback;
}

} // namespace nsq
