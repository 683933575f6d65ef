#pragma once

// nsqlookupd's V1 command semantics without I/O (reference §4-§5): the
// answer to each command line, IDENTIFY body decoding, and the framing of
// answers (`<int32 BE length><data>`, no frame type).

#include "protocol/lookup_peer.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace nsq {

/// What a command asks of the registry besides its answer.
enum class lookup_action { none, ping, register_, unregister };

/// The outcome of one command line.
struct lookup_reply {
  std::string data;   ///< `OK` or the error text
  bool fatal = false; ///< close the connection after `data`
  lookup_action action = lookup_action::none;
  std::string topic;
  std::string channel; ///< "" for a topic-only (UN)REGISTER
};

/// Answers the command `tokens` (never IDENTIFY; see lookup_parser) on a
/// connection that has or has not identified.
lookup_reply lookup_command(const std::vector<std::string>& tokens, bool identified);

/// Decodes an IDENTIFY body like Go's encoding/json into PeerInfo, then
/// checks the required fields. On failure returns false with the error text
/// (`E_BAD_BODY IDENTIFY failed to decode JSON body` / `... missing fields`).
bool decode_lookup_identify(std::string_view body, lookup_peer& out, std::string& error);

/// nsqlookupd's answer to IDENTIFY: its own broadcast address, hostname and
/// bound ports, keys in Go's (alphabetical) order.
std::string lookup_identify_answer(const std::string& broadcast_address,
                                   const std::string& hostname, int http_port,
                                   int tcp_port);

/// Frames `data` for the wire: 4-byte big-endian length, then the bytes.
std::string lookup_frame(std::string_view data);

} // namespace nsq
