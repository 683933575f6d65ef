#include "protocol/lookup_commands.hpp"

#include "protocol/ascii_lower.hpp"
#include "protocol/go_json.hpp"
#include "protocol/names.hpp"

#include <nlohmann/json.hpp>

#include <cctype>
#include <cstdint>

namespace nsq {

namespace {

lookup_reply fatal(std::string text) {
  lookup_reply r;
  r.data = std::move(text);
  r.fatal = true;
  return r;
}

lookup_reply ok(lookup_action a) {
  lookup_reply r;
  r.data = "OK";
  r.action = a;
  return r;
}

/// REGISTER and UNREGISTER share their checks; `cmd` names the command in
/// the error texts (§5.2, §5.3).
lookup_reply registration(const std::vector<std::string>& tokens, const std::string& cmd,
                          lookup_action a) {
  if (tokens.size() < 2)
    return fatal("E_INVALID " + cmd + " insufficient number of params");
  auto& topic = tokens[1];
  if (!is_valid_topic_name(topic))
    return fatal("E_BAD_TOPIC " + cmd + " topic name '" + topic + "' is not valid");
  std::string channel = tokens.size() > 2 ? tokens[2] : std::string();
  if (!channel.empty() && !is_valid_channel_name(channel))
    return fatal("E_BAD_CHANNEL " + cmd + " channel name '" + channel + "' is not valid");
  auto r = ok(a);
  r.topic = topic;
  r.channel = std::move(channel);
  return r;
}

/// Go decodes a string field from a string or null; anything else fails.
bool take_string(const nlohmann::ordered_json& v, std::string& out) {
  if (v.is_null())
    return true;
  if (!v.is_string())
    return false;
  out = v.get<std::string>();
  return true;
}

/// Go decodes an int field from a JSON integer that fits int64, or null.
bool take_int(const nlohmann::ordered_json& v, int64_t& out) {
  if (v.is_null())
    return true;
  if (v.is_number_unsigned()) {
    auto u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX))
      return false;
    out = static_cast<int64_t>(u);
    return true;
  }
  if (!v.is_number_integer())
    return false;
  out = v.get<int64_t>();
  return true;
}

/// Length of the valid UTF-8 sequence at the start of `s` (Go's
/// utf8.DecodeRune rules: no overlongs, no surrogates, <= U+10FFFF), or 0.
size_t utf8_length(std::string_view s) {
  auto at = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  auto cont = [&](size_t i, unsigned lo = 0x80, unsigned hi = 0xBF) {
    return i < s.size() && at(i) >= lo && at(i) <= hi;
  };
  auto c = at(0);
  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF)
    return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

/// Go's JSON decoder turns each invalid UTF-8 byte in a string into U+FFFD
/// where nlohmann would refuse the document; outside strings the result is
/// a syntax error either way.
std::string go_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  while (!s.empty()) {
    auto n = utf8_length(s);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      n = 1;
    } else {
      out.append(s.data(), n);
    }
    s.remove_prefix(n);
  }
  return out;
}

/// Assigns one member; key matching is case-insensitive like Go's.
bool take_field(const std::string& key, const nlohmann::ordered_json& v, lookup_peer& p) {
  auto k = ascii_lower(key);
  if (k == "broadcast_address")
    return take_string(v, p.broadcast_address);
  if (k == "hostname")
    return take_string(v, p.hostname);
  if (k == "version")
    return take_string(v, p.version);
  if (k == "topology_zone")
    return take_string(v, p.topology_zone);
  if (k == "topology_region")
    return take_string(v, p.topology_region);
  if (k == "tcp_port")
    return take_int(v, p.tcp_port);
  if (k == "http_port")
    return take_int(v, p.http_port);
  return true; // remote_address and unknown keys are ignored
}

} // namespace

lookup_reply lookup_command(const std::vector<std::string>& tokens, bool identified) {
  const std::string& cmd = tokens.empty() ? std::string() : tokens[0];
  if (cmd == "PING")
    return ok(identified ? lookup_action::ping : lookup_action::none);
  if (cmd == "REGISTER" || cmd == "UNREGISTER") {
    if (!identified)
      return fatal("E_INVALID client must IDENTIFY");
    return registration(tokens, cmd,
                        cmd == "REGISTER" ? lookup_action::register_
                                          : lookup_action::unregister);
  }
  return fatal("E_INVALID invalid command " + cmd);
}

bool decode_lookup_identify(std::string_view body, lookup_peer& out, std::string& error) {
  lookup_peer p;
  // Document order: with keys that differ only in case the last one wins, as in Go.
  auto text = go_utf8(body);
  auto j = nlohmann::ordered_json::parse(text.begin(), text.end(), nullptr, false);
  bool decoded = !j.is_discarded() && (j.is_object() || j.is_null());
  if (decoded && j.is_object())
    for (auto it = j.begin(); it != j.end() && decoded; ++it)
      decoded = take_field(it.key(), it.value(), p);
  if (!decoded) {
    error = "E_BAD_BODY IDENTIFY failed to decode JSON body";
    return false;
  }
  if (p.broadcast_address.empty() || p.tcp_port == 0 || p.http_port == 0 ||
      p.version.empty()) {
    error = "E_BAD_BODY IDENTIFY missing fields";
    return false;
  }
  p.id = out.id; // the connection's address, never the body's remote_address
  out = std::move(p);
  return true;
}

std::string lookup_identify_answer(const std::string& broadcast_address,
                                   const std::string& hostname, int http_port,
                                   int tcp_port) {
  std::string s = "{\"broadcast_address\":";
  append_json_string(s, broadcast_address);
  s += ",\"hostname\":";
  append_json_string(s, hostname);
  s += ",\"http_port\":" + std::to_string(http_port);
  s += ",\"tcp_port\":" + std::to_string(tcp_port);
  s += ",\"version\":\"1.3.0\"}";
  return s;
}

std::string lookup_frame(std::string_view data) {
  auto n = static_cast<uint32_t>(data.size());
  std::string out;
  out.reserve(4 + data.size());
  out.push_back(static_cast<char>(n >> 24));
  out.push_back(static_cast<char>(n >> 16));
  out.push_back(static_cast<char>(n >> 8));
  out.push_back(static_cast<char>(n));
  out.append(data.data(), data.size());
  return out;
}

} // namespace nsq
