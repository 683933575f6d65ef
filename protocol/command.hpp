#pragma once

#include "protocol/body_batch.hpp"
#include "protocol/errors.hpp"
#include "protocol/message.hpp"

#include <optional>
#include <string>
#include <vector>

namespace nsq {

/// One V2 command as read from the wire: the line split on single spaces,
/// plus its body when the verb takes one (reference §3.1).
struct command {
  std::string name;                ///< e.g. "PUB"; case-sensitive
  std::vector<std::string> params; ///< tokens after the name (may be empty strings)
  /// FIN and TOUCH with exactly one token of an ID's length carry it here
  /// instead of in `params`: a consumer sends one per message, and the
  /// vector plus a 16-byte string (one past the short-string buffer) were
  /// two allocations per message.
  std::optional<message_id> id;
  /// FIN only: the IDs of the FINs that directly followed this one in the
  /// same read, each also of an ID's length, merged into this command. A
  /// consumer's read holds runs of hundreds of FINs; a command each was
  /// 240 bytes to build, move (as the batch grew) and destroy.
  std::vector<message_id> more_ids;
  std::string body;    ///< IDENTIFY JSON, AUTH secret, PUB/DPUB message
  body_batch messages; ///< MPUB: its body, with where each message lies in it
  /// Set when reading the body failed (bad size prefix, bad MPUB element...).
  /// The session reports it after the checks nsqd makes before reading the
  /// body (state, params, names), so the answer is the one nsqd gives.
  client_error body_error;

  bool has_body_error() const { return !body_error.code.empty(); }
};

} // namespace nsq
