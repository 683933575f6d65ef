#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace nsq {

/// Parses a Go duration (`60s`, `1m30s`, `250ms`, `1.5h`, `100us`, `-2s`,
/// `0`) into milliseconds, truncating sub-millisecond parts toward zero like
/// Go's Duration.Milliseconds(). A bare integer is taken as milliseconds (as
/// nsqd's config file does). Returns false on malformed input or overflow.
bool parse_go_duration(std::string_view text, std::chrono::milliseconds& out);

/// Parses exactly what Go's time.ParseDuration accepts (a flag value or a
/// config string): like parse_go_duration, but a bare number other than "0"
/// is an error ("missing unit").
bool parse_go_duration_strict(std::string_view text, std::chrono::milliseconds& out);

/// Returns Go's spelling of a duration (`1m0s`, `250ms`, `1h0m0s`), as its
/// flag package prints defaults.
std::string go_duration_text(std::chrono::milliseconds d);

} // namespace nsq
