#pragma once

// `--config=FILE`: nsqlookupd's TOML keys (the flag names with `_`), read
// with toml++. Stricter than go-options: unknown keys and wrong types stop
// the start instead of being ignored.

#include "app/nsqlookupd/lookupd_settings.hpp"

#include <set>
#include <string>

namespace nsq {

/// Applies `path` to `s`, except the keys in `from_flags` (flags win).
/// Returns "" on success, else the message for the FATAL log line.
std::string load_lookupd_config(const std::string& path,
                                const std::set<std::string>& from_flags,
                                lookupd_settings& s);

} // namespace nsq
