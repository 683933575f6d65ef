#pragma once

#include "protocol/checked.hpp"
#include "protocol/settings.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nsq {

/// The IDENTIFY JSON body (reference §6.1). Absent keys keep their defaults;
/// unknown keys are ignored; a wrong JSON type fails decoding.
struct identify_request {
  std::string client_id;
  std::string hostname;
  std::string user_agent;
  bool feature_negotiation = false;
  int64_t heartbeat_interval = 0;    ///< ms; -1 disables, 0 keeps the default
  int64_t output_buffer_size = 0;    ///< bytes; -1 unbuffered, 0 default
  int64_t output_buffer_timeout = 0; ///< ms; -1 no timer, 0 default
  bool tls_v1 = false;
  bool snappy = false;
  bool deflate = false;
  int64_t deflate_level = 0;
  int64_t sample_rate = 0;
  int64_t msg_timeout = 0; ///< ms; 0 keeps --msg-timeout
};

/// Returns the decoded request, or `E_BAD_BODY IDENTIFY failed to decode JSON body`.
checked<identify_request> decode_identify(std::string_view json);

/// A connection's negotiated parameters: defaults at connect, updated by IDENTIFY.
struct client_settings {
  std::string client_id; ///< remote IP until IDENTIFY overwrites it
  std::string hostname;  ///< remote IP until IDENTIFY overwrites it
  std::string user_agent;
  bool feature_negotiation = false;
  int64_t heartbeat_interval_ms = 30000; ///< -1 when disabled
  int64_t output_buffer_size = 16384;    ///< 1 when the client asked for -1
  int64_t output_buffer_timeout_ms = 250; ///< 0 when disabled
  int64_t sample_rate = 0;
  int64_t msg_timeout_ms = 60000;
  bool tls_v1 = false;  ///< negotiated (asked and available)
  bool snappy = false;  ///< negotiated
  bool deflate = false; ///< negotiated
  int64_t deflate_level = 6;
};

/// Returns the settings of a fresh connection from `remote_ip` (§2 step 4).
client_settings initial_client_settings(const settings& cfg, const std::string& remote_ip);

/// Applies `req` to `out` the way nsqd does: client_id, hostname and
/// user_agent are stored first (overwritten unconditionally), then the fields
/// are validated in nsqd's order (heartbeat, output buffer timeout, output
/// buffer size, sample rate, msg timeout); the first invalid one is returned
/// as `E_BAD_BODY IDENTIFY ... (%d) is invalid`. Feature flags are masked with
/// what the server offers; both snappy and deflate negotiated yields
/// `E_IDENTIFY_FAILED cannot enable both deflate and snappy compression`.
std::optional<client_error> apply_identify(const identify_request& req, const settings& cfg,
                                           client_settings& out);

/// Returns the IDENTIFY response JSON (keys in nsqd's order, §6.2).
std::string encode_identify_response(const client_settings& client, const settings& cfg);

/// The version reported everywhere a version is reported (§17).
inline constexpr const char* nsqd_version = "1.3.0";

} // namespace nsq
