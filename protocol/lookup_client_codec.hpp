#pragma once

// nsqd's side of the nsqlookupd TCP protocol V1 (nsqd reference §16,
// nsqlookupd reference §3, §5): the bytes nsqd writes, the answers it reads,
// and the texts its logs print. Pure: no sockets, no actors.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nsq {

/// What nsqd announces about itself in IDENTIFY (§16.2).
struct lookup_client_identity {
  std::string broadcast_address;
  std::string hostname;
  int64_t http_port = 0; ///< broadcast HTTP port
  int64_t tcp_port = 0;  ///< broadcast TCP port
};

/// What nsqd keeps of a lookupd's IDENTIFY answer (Go's peerInfo).
struct lookupd_peer_info {
  int64_t tcp_port = 0;
  int64_t http_port = 0;
  std::string version;
  std::string broadcast_address;
};

/// The commands nsqd sends to a lookupd.
enum class lookup_op { connect_only, ping, register_, unregister };

/// The op's name (CAF prints message contents with it).
std::string to_string(lookup_op op);

/// One command: `op` with its topic and optional channel.
struct lookup_command {
  lookup_op op = lookup_op::ping;
  std::string topic;
  std::string channel;
};

/// The protocol magic nsqd writes after connecting: "  V1".
std::string_view lookup_client_magic();

/// `IDENTIFY\n` + 4-byte big-endian size + the JSON body with sorted keys
/// (broadcast_address, hostname, http_port, tcp_port, version "1.3.0").
std::string encode_lookup_identify(const lookup_client_identity& id);

/// `PING\n`, `REGISTER t[ c]\n` or `UNREGISTER t[ c]\n` ("" for connect_only).
std::string encode_lookup_command(const lookup_command& cmd);

/// The command as go-nsq's Command.String() prints it in nsqd's logs:
/// `REGISTER t c`, `PING`, `IDENTIFY`.
std::string lookup_command_text(const lookup_command& cmd);

/// Reads the 4-byte big-endian size of an answer. Returns the error text
/// nsqd logs when it exceeds `limit` (--max-body-size), else "".
std::string decode_lookup_response_size(const unsigned char (&header)[4], int64_t limit,
                                        uint32_t& size);

/// Parses an IDENTIFY answer like Go's json.Unmarshal into peerInfo: keys
/// matched case-insensitively, unknown keys ignored, a wrongly typed field
/// fails. False when it is not a JSON object.
bool parse_lookupd_peer_info(std::string_view body, lookupd_peer_info& out);

/// The info as Go's `%+v` prints it:
/// `{TCPPort:4160 HTTPPort:4161 Version:1.3.0 BroadcastAddress:vm}`.
std::string format_lookupd_peer_info(const lookupd_peer_info& info);

/// `host:port` of the lookupd's HTTP API (Go's net.JoinHostPort: IPv6 in
/// brackets), or "" when the answer had no broadcast address.
std::string lookupd_http_address(const lookupd_peer_info& info);

/// The `/channels` query nsqd sends on topic creation:
/// `http://<address>/channels?topic=<url.QueryEscape(topic)>`.
std::string lookupd_channels_url(const std::string& http_address, std::string_view topic);

/// The `channels` array of a lookupd `/channels` answer (`{"channels":[...]}`),
/// or nullopt when the body is not that shape.
std::optional<std::vector<std::string>> parse_lookupd_channels(std::string_view body);

/// The body of `PUT /config/nsqlookupd_tcp_addresses`: a JSON array of
/// strings (`null` is an empty list, as Go's Unmarshal leaves it), or
/// nullopt (nsqd: 400 INVALID_VALUE).
std::optional<std::vector<std::string>> parse_lookupd_address_list(std::string_view body);

/// Renders an address list as nsqd's GET /config answers it: `["a","b"]`.
std::string render_lookupd_address_list(const std::vector<std::string>& addresses);

} // namespace nsq
