#include "app/nsqlookupd/lookupd_config.hpp"

#include "actors/log.hpp"
#include "app/duration.hpp"

#include <toml++/toml.h>

#include <functional>
#include <map>

namespace nsq {

namespace {

using setter = std::function<std::string(const toml::node&)>;

std::string wrong_type(const std::string& key, const char* want) {
  return "invalid value for " + key + " in config file: expected " + want;
}

setter string_key(const std::string& key, std::string& out) {
  return [&out, key](const toml::node& n) -> std::string {
    auto v = n.value<std::string>();
    if (!n.is_string() || !v)
      return wrong_type(key, "a string");
    out = *v;
    return {};
  };
}

/// A Go duration string, or an integer meaning milliseconds (§11.2).
setter duration_key(const std::string& key, lookupd_settings::ms& out) {
  return [&out, key](const toml::node& n) -> std::string {
    if (n.is_integer()) {
      out = lookupd_settings::ms(*n.value<int64_t>());
      return {};
    }
    if (!n.is_string())
      return wrong_type(key, "a duration string or integer milliseconds");
    auto text = *n.value<std::string>();
    if (!parse_go_duration(text, out))
      return "invalid value for " + key + " in config file: \"" + text +
             "\" is not a duration";
    return {};
  };
}

setter log_level_key(std::string& out) {
  return [&out](const toml::node& n) -> std::string {
    auto v = n.value<std::string>();
    log_level ignored;
    if (!n.is_string() || !v || !parse_log_level(*v, ignored))
      return "failed parsing log_level " + (v ? *v : std::string("(not a string)"));
    out = *v;
    return {};
  };
}

setter bool_key(const std::string& key, bool& out) {
  return [&out, key](const toml::node& n) -> std::string {
    if (!n.is_boolean())
      return wrong_type(key, "a boolean");
    out = *n.value<bool>();
    return {};
  };
}

std::map<std::string, setter> setters(lookupd_settings& s) {
  return {
      {"tcp_address", string_key("tcp_address", s.tcp_address)},
      {"http_address", string_key("http_address", s.http_address)},
      {"broadcast_address", string_key("broadcast_address", s.broadcast_address)},
      {"inactive_producer_timeout",
       duration_key("inactive_producer_timeout", s.inactive_producer_timeout)},
      {"tombstone_lifetime", duration_key("tombstone_lifetime", s.tombstone_lifetime)},
      {"log_level", log_level_key(s.log_level)},
      {"log_prefix", string_key("log_prefix", s.log_prefix)},
      {"verbose", bool_key("verbose", s.verbose)},
  };
}

} // namespace

std::string load_lookupd_config(const std::string& path,
                                const std::set<std::string>& from_flags,
                                lookupd_settings& s) {
  toml::table table;
  try {
    table = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return "failed to load config file " + path + " - " + std::string(e.description());
  }
  // Keys given as flags are still checked, into a scratch copy (flags win).
  lookupd_settings scratch;
  auto known = setters(s);
  auto checked = setters(scratch);
  auto apply = [&](const std::string& k, const toml::node& n) {
    return (from_flags.count(k) != 0 ? checked : known).at(k)(n);
  };
  // log_level first, like nsqlookupd (§11.2).
  if (auto* n = table.get("log_level"))
    if (auto err = apply("log_level", *n); !err.empty())
      return err;
  for (auto& [key, node] : table) {
    std::string k(key.str());
    if (known.count(k) == 0)
      return "unknown key " + k + " in config file " + path;
    if (k == "log_level")
      continue;
    if (auto err = apply(k, node); !err.empty())
      return err;
  }
  return {};
}

} // namespace nsq
