#pragma once

// Query strings as Go's url.ParseQuery reads them (first value of a repeated
// key wins in nsqd's ReqParams.Get), and the request target split.

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace nsq {

/// Decoded query parameters: key → first value.
using query_params = std::map<std::string, std::string>;

/// Parses `query` (without the `?`); nothing when Go would reject it (bad
/// %-escape, or a `;` separator).
std::optional<query_params> parse_query(std::string_view query);

/// Returns the value of `key`, or nullptr.
const std::string* find_param(const query_params& q, const std::string& key);

/// Splits a request target into path and query (the part after `?`).
void split_target(std::string_view target, std::string& path, std::string& query);

/// Returns whether `v` is a boolean nsqd recognises as true (`true`, `1`);
/// `fallback` for any value that is neither true nor false (`false`, `0`).
bool query_bool(const std::string* v, bool fallback);

} // namespace nsq
