#pragma once

#include <cctype>
#include <string>
#include <string_view>

namespace nsq {

/// Returns `s` with ASCII letters in lower case (no locale).
inline std::string ascii_lower(std::string_view s) {
  std::string out{s};
  for (auto& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

} // namespace nsq
