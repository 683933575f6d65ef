#pragma once

// Go's encoding/json spellings, for output that must match nsqd byte for
// byte: string escaping (HTML-safe, like json.Marshal) and float formatting.

#include <string>
#include <string_view>

namespace nsq {

/// Appends `s` as a JSON string literal the way Go's json.Marshal writes it:
/// `<`, `>`, `&`, U+2028 and U+2029 escaped as \uXXXX, invalid UTF-8 as U+FFFD.
void append_json_string(std::string& out, std::string_view s);

/// Returns `s` as a JSON string literal (see append_json_string).
std::string json_string(std::string_view s);

/// Returns `v` as Go's json.Marshal writes a float64: the shortest text that
/// reads back as `v`, without a fraction when integral (`1`, `0.99`), in
/// exponent form below 1e-6 or from 1e21 on (`1e+21`, `1e-7`).
std::string json_float(double v);

} // namespace nsq
