#pragma once

#include <string>
#include <string_view>

namespace nsq {

/// nsqd's log levels, in increasing severity.
enum class log_level { debug, info, warn, error, fatal };

/// Returns the level named `name` (case-insensitive: debug, info, warn,
/// error, fatal), or false when unknown.
bool parse_log_level(std::string_view name, log_level& out);

/// Sets the lowest level that is printed (default: info). Thread-safe.
void set_log_level(log_level level);

/// Sets the text that starts every line (default `[nsqd] `). Call before
/// other threads log: the prefix is read without a lock.
void set_log_prefix(std::string prefix);

/// Returns whether `level` would be printed.
bool log_enabled(log_level level);

/// Prints one line to stderr in nsqd's format:
/// `[nsqd] YYYY/MM/DD HH:MM:SS.micro LEVEL: text`. Thread-safe (one write).
void log_line(log_level level, std::string_view text);

inline void log_debug(std::string_view t) { log_line(log_level::debug, t); }
inline void log_info(std::string_view t) { log_line(log_level::info, t); }
inline void log_warn(std::string_view t) { log_line(log_level::warn, t); }
inline void log_error(std::string_view t) { log_line(log_level::error, t); }

} // namespace nsq
