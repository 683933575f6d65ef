#pragma once

#include "protocol/checked.hpp"
#include "protocol/command.hpp"
#include "protocol/message.hpp"
#include "protocol/settings.hpp"

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nsq {

// Pure, per-verb validation of V2 commands: everything nsqd checks that does
// not depend on the connection's state, in nsqd's order, with its exact error
// texts (reference §5). The session checks state first (§4), then calls
// these. One function per verb.

/// Verbs whose line is followed by a size-prefixed body.
bool takes_body(std::string_view name);

/// Returns the first error nsqd raises before it reads the body of `cmd`
/// (params count, topic name, DPUB timeout, AUTH params), or nothing. The
/// parser uses it to decide whether to read the body at all.
std::optional<client_error> check_before_body(const command& cmd, const settings& cfg);
/// The same with the one setting it reads (DPUB's bound, --max-req-timeout).
std::optional<client_error> check_before_body(const command& cmd,
                                              std::chrono::milliseconds max_req_timeout);

/// PUB, MPUB and DPUB all produce this: the topic and the bodies to enqueue.
struct publish_args {
  std::string topic;
  body_batch bodies;
  std::chrono::milliseconds defer{0};
};

/// PUB <topic>: params, topic name, then the body error if any.
checked<publish_args> parse_pub(command&& cmd, const settings& cfg);
/// MPUB <topic>: params, topic name (code duplicated in the text), body errors.
checked<publish_args> parse_mpub(command&& cmd, const settings& cfg);
/// DPUB <topic> <ms>: params, topic, timeout parse and range, body errors.
checked<publish_args> parse_dpub(command&& cmd, const settings& cfg);

struct sub_args {
  std::string topic;
  std::string channel;
};

/// SUB <topic> <channel>: params count, topic name, channel name.
checked<sub_args> parse_sub(const command& cmd);

/// RDY [count]: absent → 1, empty → 0, digits only, 0..max-rdy-count.
checked<int64_t> parse_rdy(const command& cmd, const settings& cfg);

/// FIN <id> / TOUCH <id>: params count (verb in the text), 16-byte ID.
checked<message_id> parse_fin(const command& cmd);
checked<message_id> parse_touch(const command& cmd);

struct req_args {
  message_id id{};
  std::chrono::milliseconds delay{0};
  bool clamped = false; ///< delay was above --max-req-timeout and was clamped
};

/// REQ <id> <ms>: params count, ID, timeout parse; clamps to max-req-timeout.
checked<req_args> parse_req(const command& cmd, const settings& cfg);

/// Parses nsqd's numeric params: decimal digits only, empty → 0, as uint64.
std::optional<uint64_t> parse_decimal(const std::string& s);

} // namespace nsq
