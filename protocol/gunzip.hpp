#pragma once

// gzip (RFC 1952) decoding with an output bound, for HTTP responses sent
// with `Content-Encoding: gzip` (nsqd's Go HTTP client asks for gzip and
// decodes it transparently).

#include <cstddef>
#include <string>
#include <string_view>

namespace nsq {

/// Decodes the gzip member(s) in `in` into `out`; false when the data is
/// not gzip, is cut short, or would decode to more than `max_out` bytes.
bool gunzip(std::string_view in, size_t max_out, std::string& out);

} // namespace nsq
