#pragma once

// nsqd's statsd push (reference §15.9) as pure functions: the prefix with
// its host key, the metric lines of one push (counters as deltas since the
// previous push), and their packing into datagrams. No sockets, no clocks:
// actors/statsd_pusher decides when, net/udp_sender how.

#include "protocol/stats.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nsq {

/// Returns `prefix` with every `%s` replaced by the host key
/// (`<broadcast_address>:<http_port>`, `.` and `:` as `_`) and a trailing
/// `.` appended if missing; an empty prefix stays empty.
std::string expand_statsd_prefix(std::string_view prefix,
                                 std::string_view broadcast_address, int64_t http_port);

/// What one push reports, and what the previous push reported (its
/// counters are subtracted: nsqd sends counter deltas).
struct statsd_snapshot {
  std::vector<topic_stats> topics;
  std::optional<memory_stats> memory; ///< set when --statsd-mem-stats
};

/// Options of the formatter (the prefix already expanded).
struct statsd_format {
  std::string prefix;
  bool exclude_ephemeral = false;
};

/// Returns the lines of one push in nsqd's order (topics and channels by
/// name, each in the reference table's order, memory last), each ending in
/// `\n`. `before` is the previous push's snapshot (empty for the first push:
/// counters are then totals).
std::vector<std::string> statsd_lines(const statsd_snapshot& now,
                                      const statsd_snapshot& before,
                                      const statsd_format& fmt);

/// Packs `lines` into datagrams of at most `max_size` bytes, in order; a
/// line is never split, and a line longer than `max_size` travels alone
/// (as nsqd's boundary-buffered writer does).
std::vector<std::string> pack_datagrams(const std::vector<std::string>& lines,
                                        size_t max_size);

} // namespace nsq
