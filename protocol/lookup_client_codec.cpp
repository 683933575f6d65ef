#include "protocol/lookup_client_codec.hpp"

#include "protocol/go_json.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>

namespace nsq {

namespace {

std::string be32(uint32_t n) {
  std::string out(4, '\0');
  out[0] = static_cast<char>((n >> 24) & 0xff);
  out[1] = static_cast<char>((n >> 16) & 0xff);
  out[2] = static_cast<char>((n >> 8) & 0xff);
  out[3] = static_cast<char>(n & 0xff);
  return out;
}

const char* verb_of(lookup_op op) {
  switch (op) {
  case lookup_op::ping:
    return "PING";
  case lookup_op::register_:
    return "REGISTER";
  case lookup_op::unregister:
    return "UNREGISTER";
  default:
    return "";
  }
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() &&
         std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

/// Go's json.Unmarshal into an int field: only integral JSON numbers fit.
bool take_int(const nlohmann::json& v, int64_t& out) {
  if (v.is_null())
    return true; // null leaves the field alone
  if (v.is_number_integer()) {
    out = v.get<int64_t>();
    return true;
  }
  if (v.is_number_unsigned() && v.get<uint64_t>() <= INT64_MAX) {
    out = static_cast<int64_t>(v.get<uint64_t>());
    return true;
  }
  return false;
}

bool take_string(const nlohmann::json& v, std::string& out) {
  if (v.is_null())
    return true;
  if (!v.is_string())
    return false;
  out = v.get<std::string>();
  return true;
}

/// Go's url.QueryEscape: unreserved bytes stay, space is '+', the rest %XX.
std::string query_escape(std::string_view s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else if (c == ' ') {
      out += '+';
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

} // namespace

std::string to_string(lookup_op op) {
  return op == lookup_op::connect_only ? "CONNECT" : verb_of(op);
}

std::string_view lookup_client_magic() {
  return "  V1";
}

std::string encode_lookup_identify(const lookup_client_identity& id) {
  std::string body = "{\"broadcast_address\":" + json_string(id.broadcast_address) +
                     ",\"hostname\":" + json_string(id.hostname) +
                     ",\"http_port\":" + std::to_string(id.http_port) +
                     ",\"tcp_port\":" + std::to_string(id.tcp_port) +
                     ",\"version\":\"1.3.0\"}";
  return "IDENTIFY\n" + be32(static_cast<uint32_t>(body.size())) + body;
}

std::string encode_lookup_command(const lookup_command& cmd) {
  if (cmd.op == lookup_op::connect_only)
    return {};
  return lookup_command_text(cmd) + "\n";
}

std::string lookup_command_text(const lookup_command& cmd) {
  std::string out = verb_of(cmd.op);
  if (cmd.op == lookup_op::register_ || cmd.op == lookup_op::unregister) {
    out += ' ' + cmd.topic;
    if (!cmd.channel.empty())
      out += ' ' + cmd.channel;
  }
  return out;
}

std::string decode_lookup_response_size(const unsigned char (&h)[4], int64_t limit,
                                        uint32_t& size) {
  size = (uint32_t{h[0]} << 24) | (uint32_t{h[1]} << 16) | (uint32_t{h[2]} << 8) | h[3];
  // nsqd reads the size as int32: a size with the top bit set is negative,
  // passes the limit check and then fails to allocate; we refuse it.
  auto as_signed = static_cast<int64_t>(static_cast<int32_t>(size));
  if (as_signed > limit || as_signed < 0)
    return "response body size (" + std::to_string(as_signed) +
           ") is greater than limit (" + std::to_string(limit) + ")";
  return "";
}

bool parse_lookupd_peer_info(std::string_view body, lookupd_peer_info& out) {
  auto j = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (j.is_discarded() || !(j.is_object() || j.is_null()))
    return false;
  if (j.is_null())
    return true;
  for (auto& [key, v] : j.items()) {
    bool ok = true;
    if (iequals(key, "tcp_port"))
      ok = take_int(v, out.tcp_port);
    else if (iequals(key, "http_port"))
      ok = take_int(v, out.http_port);
    else if (iequals(key, "version"))
      ok = take_string(v, out.version);
    else if (iequals(key, "broadcast_address"))
      ok = take_string(v, out.broadcast_address);
    if (!ok)
      return false;
  }
  return true;
}

std::string format_lookupd_peer_info(const lookupd_peer_info& i) {
  return "{TCPPort:" + std::to_string(i.tcp_port) +
         " HTTPPort:" + std::to_string(i.http_port) + " Version:" + i.version +
         " BroadcastAddress:" + i.broadcast_address + "}";
}

std::string lookupd_http_address(const lookupd_peer_info& info) {
  if (info.broadcast_address.empty())
    return "";
  auto port = std::to_string(info.http_port);
  if (info.broadcast_address.find(':') != std::string::npos)
    return "[" + info.broadcast_address + "]:" + port;
  return info.broadcast_address + ":" + port;
}

std::string lookupd_channels_url(const std::string& http_address,
                                 std::string_view topic) {
  return "http://" + http_address + "/channels?topic=" + query_escape(topic);
}

std::optional<std::vector<std::string>> parse_lookupd_channels(std::string_view body) {
  auto j = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (j.is_discarded() || !j.is_object())
    return std::nullopt;
  std::vector<std::string> out;
  auto it = j.find("channels");
  if (it == j.end() || it->is_null())
    return out;
  if (!it->is_array())
    return std::nullopt;
  for (auto& c : *it) {
    if (!c.is_string())
      return std::nullopt;
    out.push_back(c.get<std::string>());
  }
  return out;
}

std::optional<std::vector<std::string>>
parse_lookupd_address_list(std::string_view body) {
  auto j = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (j.is_discarded())
    return std::nullopt;
  std::vector<std::string> out;
  if (j.is_null())
    return out;
  if (!j.is_array())
    return std::nullopt;
  for (auto& a : j) {
    if (!a.is_string())
      return std::nullopt;
    out.push_back(a.get<std::string>());
  }
  return out;
}

std::string render_lookupd_address_list(const std::vector<std::string>& addresses) {
  std::string out = "[";
  for (auto& a : addresses) {
    if (out.size() > 1)
      out += ',';
    append_json_string(out, a);
  }
  return out + "]";
}

} // namespace nsq
