#pragma once

#include <cstdint>
#include <string_view>

namespace nsq {

// Parsers for the value syntax of Go's flag package (and nsqd's config file
// strings), so `-mem-queue-size=0x10` or `-snappy=F` mean what they mean to nsqd.

/// strconv.ParseBool: 1 t T TRUE true True 0 f F FALSE false False.
bool parse_go_bool(std::string_view text, bool& out);

/// strconv.ParseInt(text, 0, 64): optional sign, decimal, 0x/0o/0b or a
/// leading 0 for octal, `_` between digits. False on syntax or range errors.
bool parse_go_int(std::string_view text, int64_t& out);

/// strconv.ParseFloat(text, 64) for decimal and exponent forms ("0.99", "1e-2",
/// "1"); false on anything else (hex floats, inf and nan are not accepted).
bool parse_go_float(std::string_view text, double& out);

} // namespace nsq
