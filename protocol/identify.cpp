#include "protocol/identify.hpp"

#include "protocol/bounded_json.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <limits>

namespace nsq {

namespace {

using ordered_json = nlohmann::ordered_json;

client_error decode_error() {
  return fatal_error(codes::bad_body, "IDENTIFY failed to decode JSON body");
}

/// Go's encoding/json matches keys case-insensitively (exact match preferred).
bool key_matches(const std::string& key, const char* field) {
  size_t n = std::char_traits<char>::length(field);
  if (key.size() != n)
    return false;
  for (size_t i = 0; i < n; ++i)
    if (std::tolower(static_cast<unsigned char>(key[i])) != field[i])
      return false;
  return true;
}

// Each reader leaves `out` untouched on JSON null, as Go does, and fails on a
// wrong type.

bool read_string(const ordered_json& v, std::string& out) {
  if (v.is_null())
    return true;
  if (!v.is_string())
    return false;
  out = v.get<std::string>();
  return true;
}

bool read_bool(const ordered_json& v, bool& out) {
  if (v.is_null())
    return true;
  if (!v.is_boolean())
    return false;
  out = v.get<bool>();
  return true;
}

bool read_int(const ordered_json& v, int64_t& out, int64_t lo, int64_t hi) {
  if (v.is_null())
    return true;
  if (v.is_number_unsigned()) {
    auto x = v.get<uint64_t>();
    if (x > static_cast<uint64_t>(hi))
      return false;
    out = static_cast<int64_t>(x);
    return true;
  }
  if (!v.is_number_integer())
    return false; // fractional or exponent numbers do not decode into a Go int
  auto x = v.get<int64_t>();
  if (x < lo || x > hi)
    return false;
  out = x;
  return true;
}

bool read_int64(const ordered_json& v, int64_t& out) {
  return read_int(v, out, std::numeric_limits<int64_t>::min(),
                  std::numeric_limits<int64_t>::max());
}

/// Returns false when `key` is known and its value has the wrong type.
bool read_field(const std::string& key, const ordered_json& v, identify_request& r) {
  if (key_matches(key, "client_id"))
    return read_string(v, r.client_id);
  if (key_matches(key, "hostname"))
    return read_string(v, r.hostname);
  if (key_matches(key, "user_agent"))
    return read_string(v, r.user_agent);
  if (key_matches(key, "feature_negotiation"))
    return read_bool(v, r.feature_negotiation);
  if (key_matches(key, "heartbeat_interval"))
    return read_int64(v, r.heartbeat_interval);
  if (key_matches(key, "output_buffer_size"))
    return read_int64(v, r.output_buffer_size);
  if (key_matches(key, "output_buffer_timeout"))
    return read_int64(v, r.output_buffer_timeout);
  if (key_matches(key, "tls_v1"))
    return read_bool(v, r.tls_v1);
  if (key_matches(key, "snappy"))
    return read_bool(v, r.snappy);
  if (key_matches(key, "deflate"))
    return read_bool(v, r.deflate);
  if (key_matches(key, "deflate_level"))
    return read_int64(v, r.deflate_level);
  if (key_matches(key, "sample_rate")) // an int32 in nsqd
    return read_int(v, r.sample_rate, std::numeric_limits<int32_t>::min(),
                    std::numeric_limits<int32_t>::max());
  if (key_matches(key, "msg_timeout"))
    return read_int64(v, r.msg_timeout);
  return true; // unknown keys are ignored
}

client_error invalid_field(const char* what, int64_t value) {
  return fatal_error(codes::bad_body, std::string("IDENTIFY ") + what + " (" +
                                          std::to_string(value) + ") is invalid");
}

std::optional<client_error> apply_heartbeat(int64_t v, const settings& cfg,
                                            client_settings& out) {
  if (v == -1)
    out.heartbeat_interval_ms = -1;
  else if (v >= 1000 && v <= cfg.max_heartbeat_interval.count())
    out.heartbeat_interval_ms = v;
  else if (v != 0)
    return invalid_field("heartbeat interval", v);
  return std::nullopt;
}

std::optional<client_error> apply_output_buffer(int64_t size, int64_t timeout,
                                                const settings& cfg,
                                                client_settings& out) {
  if (timeout == -1)
    out.output_buffer_timeout_ms = 0;
  else if (timeout >= cfg.min_output_buffer_timeout.count() &&
           timeout <= cfg.max_output_buffer_timeout.count())
    out.output_buffer_timeout_ms = timeout;
  else if (timeout != 0)
    return invalid_field("output buffer timeout", timeout);
  if (size == -1) {
    out.output_buffer_size = 1; // unbuffered: every write goes straight out
    out.output_buffer_timeout_ms = 0;
  } else if (size >= 64 && size <= cfg.max_output_buffer_size) {
    out.output_buffer_size = size;
  } else if (size != 0) {
    return invalid_field("output buffer size", size);
  }
  return std::nullopt;
}

std::optional<client_error> apply_msg_timeout(int64_t v, const settings& cfg,
                                              client_settings& out) {
  if (v >= 1000 && v <= cfg.max_msg_timeout.count())
    out.msg_timeout_ms = v;
  else if (v != 0)
    return invalid_field("msg timeout", v);
  return std::nullopt;
}

} // namespace

checked<identify_request> decode_identify(std::string_view text) {
  ordered_json doc = parse_bounded_json(text);
  if (doc.is_discarded())
    return decode_error();
  identify_request req;
  if (doc.is_null())
    return req; // Go decodes a JSON null into a struct as a no-op
  if (!doc.is_object())
    return decode_error();
  for (const auto& [key, value] : doc.items())
    if (!read_field(key, value, req))
      return decode_error();
  return req;
}

client_settings initial_client_settings(const settings& cfg,
                                        const std::string& remote_ip) {
  client_settings s;
  s.client_id = remote_ip;
  s.hostname = remote_ip;
  s.heartbeat_interval_ms = cfg.default_heartbeat_interval.count();
  s.output_buffer_size = settings::default_output_buffer_size;
  s.output_buffer_timeout_ms = cfg.output_buffer_timeout.count();
  s.msg_timeout_ms = cfg.msg_timeout.count();
  s.deflate_level = std::min<int64_t>(6, cfg.max_deflate_level);
  return s;
}

std::optional<client_error> apply_identify(const identify_request& req,
                                           const settings& cfg, client_settings& out) {
  out.client_id = req.client_id;
  out.hostname = req.hostname;
  out.user_agent = req.user_agent;
  if (auto err = apply_heartbeat(req.heartbeat_interval, cfg, out))
    return err;
  if (auto err = apply_output_buffer(req.output_buffer_size, req.output_buffer_timeout,
                                     cfg, out))
    return err;
  if (req.sample_rate < 0 || req.sample_rate > 99)
    return invalid_field("sample rate", req.sample_rate);
  out.sample_rate = req.sample_rate;
  if (auto err = apply_msg_timeout(req.msg_timeout, cfg, out))
    return err;
  out.feature_negotiation = req.feature_negotiation;
  // Without feature negotiation nsqd answers OK and upgrades nothing.
  bool negotiate = req.feature_negotiation;
  out.tls_v1 = negotiate && req.tls_v1 && cfg.tls_available;
  out.snappy = negotiate && req.snappy && cfg.snappy_enabled;
  out.deflate = negotiate && req.deflate && cfg.deflate_enabled;
  int64_t level = out.deflate && req.deflate_level > 0 ? req.deflate_level : 6;
  out.deflate_level = std::min(level, cfg.max_deflate_level);
  if (out.snappy && out.deflate)
    return fatal_error(codes::identify_failed,
                       "cannot enable both deflate and snappy compression");
  return std::nullopt;
}

std::string encode_identify_response(const client_settings& client, const settings& cfg) {
  ordered_json j = ordered_json::object();
  j["max_rdy_count"] = cfg.max_rdy_count;
  j["version"] = nsqd_version;
  j["max_msg_timeout"] = cfg.max_msg_timeout.count();
  j["msg_timeout"] = client.msg_timeout_ms;
  j["tls_v1"] = client.tls_v1;
  j["deflate"] = client.deflate;
  j["deflate_level"] = client.deflate_level;
  j["max_deflate_level"] = cfg.max_deflate_level;
  j["snappy"] = client.snappy;
  j["sample_rate"] = client.sample_rate;
  j["auth_required"] = cfg.auth_required;
  j["output_buffer_size"] = client.output_buffer_size;
  j["output_buffer_timeout"] = client.output_buffer_timeout_ms;
  return j.dump();
}

} // namespace nsq
