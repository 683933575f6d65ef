#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace bench {

using nanoseconds = std::chrono::nanoseconds;

/// Returns the duration written in Go's `time.ParseDuration` syntax
/// (`10s`, `1m30s`, `250ms`, `1.5h`, `0`), or nothing if `text` is not one.
std::optional<nanoseconds> parse_go_duration(std::string_view text);

/// Returns `d` spelled as Go's `time.Duration.String()` does (`10.00012s`,
/// `1m0.5s`, `250ms`), so the closing line matches nsq's bench tools.
std::string go_duration_string(nanoseconds d);

} // namespace bench
