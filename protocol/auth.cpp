#include "protocol/auth.hpp"

#include "protocol/bounded_json.hpp"
#include "protocol/go_json.hpp"

#include <nlohmann/json.hpp>

#include <limits>
#include <optional>

namespace nsq {

namespace {

using json = nlohmann::json;

client_error failure(std::string text) {
  return fatal_error(codes::auth_failed, std::move(text));
}

/// Reads a Go `string` field: absent or null keeps "", anything else fails.
bool read_string(const json& doc, const char* key, std::string& out) {
  auto i = doc.find(key);
  if (i == doc.end() || i->is_null())
    return true;
  if (!i->is_string())
    return false;
  out = i->get<std::string>();
  return true;
}

/// Reads a Go `[]string` field (null → empty).
bool read_strings(const json& doc, const char* key, std::vector<std::string>& out) {
  auto i = doc.find(key);
  if (i == doc.end() || i->is_null())
    return true;
  if (!i->is_array())
    return false;
  for (const auto& x : *i) {
    if (!x.is_string())
      return false; // Go: a null element would decode as "", which still compiles
    out.push_back(x.get<std::string>());
  }
  return true;
}

/// Reads a Go `int` (int64): integral JSON numbers only.
bool read_int(const json& doc, const char* key, int64_t& out) {
  auto i = doc.find(key);
  if (i == doc.end() || i->is_null())
    return true;
  if (i->is_number_integer() && !i->is_number_unsigned()) {
    out = i->get<int64_t>();
    return true;
  }
  if (i->is_number_unsigned()) {
    auto u = i->get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
      return false;
    out = static_cast<int64_t>(u);
    return true;
  }
  return false;
}

/// Compiles `pattern`, or returns null when std::regex refuses it.
std::shared_ptr<const std::regex> compile(const std::string& pattern) {
  if (pattern.size() > max_auth_regex_size)
    return nullptr;
  try {
    return std::make_shared<const std::regex>(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error&) {
    return nullptr;
  }
}

bool search(const std::regex& re, std::string_view text) {
  return std::regex_search(text.begin(), text.end(), re);
}

/// Decodes one `authorizations[]` entry (types only; validation follows).
bool read_entry(const json& x, authorization& a, std::vector<std::string>& permissions) {
  if (x.is_null())
    return true; // Go: a null element is the zero Authorization
  if (!x.is_object())
    return false;
  return read_string(x, "topic", a.topic) && read_strings(x, "channels", a.channels) &&
         read_strings(x, "permissions", permissions);
}

/// nsqd's checks on one entry, in its order: permissions, topic, channels.
std::optional<client_error> validate(authorization& a,
                                     const std::vector<std::string>& permissions) {
  for (const auto& p : permissions) {
    if (p == "subscribe")
      a.can_subscribe = true;
    else if (p == "publish")
      a.can_publish = true;
    else
      return failure("unknown permission " + p);
  }
  a.topic_re = compile(a.topic);
  if (!a.topic_re)
    return failure("unable to compile topic " + go_quote(a.topic));
  for (const auto& c : a.channels) {
    auto re = compile(c);
    if (!re)
      return failure("unable to compile channel " + go_quote(c));
    a.channel_res.push_back(std::move(re));
  }
  return std::nullopt;
}

} // namespace

bool authorization::allows(std::string_view topic_name, std::string_view channel) const {
  if (!(channel.empty() ? can_publish : can_subscribe))
    return false;
  if (!topic_re || !search(*topic_re, topic_name))
    return false;
  for (const auto& re : channel_res)
    if (search(*re, channel))
      return true;
  return false;
}

bool auth_grant::allows(std::string_view topic, std::string_view channel) const {
  for (const auto& a : authorizations)
    if (a.allows(topic, channel))
      return true;
  return false;
}

checked<auth_grant> decode_auth_response(std::string_view body) {
  json doc = parse_bounded_json(body);
  if (doc.is_discarded())
    return failure("invalid JSON response");
  auth_grant g;
  if (!doc.is_null()) {
    if (!doc.is_object())
      return failure("invalid JSON response");
    if (!read_int(doc, "ttl", g.ttl) || !read_string(doc, "identity", g.identity) ||
        !read_string(doc, "identity_url", g.identity_url))
      return failure("invalid JSON response");
    auto list = doc.find("authorizations");
    if (list != doc.end() && !list->is_null()) {
      if (!list->is_array())
        return failure("invalid JSON response");
      for (const auto& x : *list) {
        authorization a;
        std::vector<std::string> permissions;
        if (!read_entry(x, a, permissions))
          return failure("invalid JSON response");
        if (auto err = validate(a, permissions))
          return *err;
        g.authorizations.push_back(std::move(a));
      }
    }
  }
  if (g.ttl <= 0)
    return failure("invalid TTL " + std::to_string(g.ttl) + " (must be >0)");
  return g;
}

std::string encode_auth_response(const auth_grant& grant) {
  std::string out = "{\"identity\":";
  append_json_string(out, grant.identity);
  out += ",\"identity_url\":";
  append_json_string(out, grant.identity_url);
  out += ",\"permission_count\":" + std::to_string(grant.authorizations.size()) + "}";
  return out;
}

} // namespace nsq
