#pragma once

#include <cstdint>
#include <string>

namespace bench {

/// Returns the name of topic/channel `i` of `n`: the base name alone when
/// there is one, else `<base>_<i>`.
inline std::string nth_name(const std::string& base, int64_t i, int64_t n) {
  return n == 1 ? base : base + "_" + std::to_string(i);
}

} // namespace bench
