#pragma once

// The pure parts of nsqd's HTTP publishing (reference §13.5, §13.6): /mpub
// body splitting (text and binary) and /pub's defer parameter, with the
// error texts nsqd answers.

#include "protocol/body_batch.hpp"
#include "protocol/settings.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace nsq {

/// An HTTP error answer: status and the `message` of `{"message":"..."}`.
struct http_error {
  int status = 500;
  std::string message;
};

inline bool operator==(const http_error& a, const http_error& b) {
  return a.status == b.status && a.message == b.message;
}

/// Bodies to publish (marked inside the request body, not copied), or the
/// answer that refuses them.
using http_bodies = std::variant<body_batch, http_error>;

/// Splits a text /mpub body on `\n`: empty lines are skipped, `\r` is kept;
/// a body over max-body-size → 413 BODY_TOO_BIG, a line over max-msg-size →
/// 413 MSG_TOO_BIG.
http_bodies split_mpub_text(std::string body, const settings& cfg);

/// Splits a binary /mpub body: `<u32 count>` then count × `<u32 len><bytes>`
/// (no leading total size); TCP MPUB's checks, answered 413 BAD_BODY or 413
/// BAD_MESSAGE. Trailing bytes are ignored.
http_bodies split_mpub_binary(std::string body, const settings& cfg);

/// Returns whether /mpub's `binary` value selects binary mode: absent, `false`
/// and `0` mean text; `true`, `1` and any other value mean binary (nsqd).
bool mpub_binary_mode(const std::string* value);

/// Parses /pub's `defer` (ms, base-10 int64, sign allowed) and checks
/// 0 <= defer <= max-req-timeout; else 400 INVALID_DEFER.
std::variant<int64_t, http_error> parse_http_defer(const std::string& value,
                                                   const settings& cfg);

} // namespace nsq
