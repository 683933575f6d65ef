#pragma once

#include <cstdint>
#include <string>

namespace bench {

/// Appends `x` as 4 big-endian bytes (NSQ's size prefixes and counts).
inline void append_be32(std::string& out, uint32_t x) {
  char b[4] = {static_cast<char>(x >> 24), static_cast<char>(x >> 16),
               static_cast<char>(x >> 8), static_cast<char>(x)};
  out.append(b, 4);
}

} // namespace bench
