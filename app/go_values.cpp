#include "app/go_values.hpp"

#include <cerrno>
#include <cstdlib>
#include <limits>
#include <string>

namespace nsq {

namespace {

/// Returns the value of digit `c` in `base`, or -1.
int digit_value(char c, int base) {
  int v = -1;
  if (c >= '0' && c <= '9')
    v = c - '0';
  else if (c >= 'a' && c <= 'z')
    v = c - 'a' + 10;
  else if (c >= 'A' && c <= 'Z')
    v = c - 'A' + 10;
  return v < base ? v : -1;
}

/// Strips a base prefix from `s` and returns the base (Go's base-0 rules).
int take_base(std::string_view& s) {
  if (s.size() >= 2 && s[0] == '0') {
    switch (s[1]) {
    case 'x':
    case 'X':
      s.remove_prefix(2);
      return 16;
    case 'o':
    case 'O':
      s.remove_prefix(2);
      return 8;
    case 'b':
    case 'B':
      s.remove_prefix(2);
      return 2;
    default:
      s.remove_prefix(1);
      return 8;
    }
  }
  return 10;
}

} // namespace

bool parse_go_bool(std::string_view text, bool& out) {
  static constexpr std::string_view yes[] = {"1", "t", "T", "TRUE", "true", "True"};
  static constexpr std::string_view no[] = {"0", "f", "F", "FALSE", "false", "False"};
  for (auto y : yes)
    if (text == y)
      return out = true, true;
  for (auto n : no)
    if (text == n)
      return out = false, true;
  return false;
}

bool parse_go_int(std::string_view text, int64_t& out) {
  auto s = text;
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty())
    return false;
  bool prefixed =
      s.size() >= 2 && s[0] == '0' && digit_value(s[1], 10) < 0 && s[1] != '_';
  int base = take_base(s);
  uint64_t limit = negative ? uint64_t{1} << 63 : (uint64_t{1} << 63) - 1;
  uint64_t value = 0;
  bool any = false;
  char last = prefixed ? '_' : '0'; // after 0x an underscore may follow
  for (char c : s) {
    if (c == '_') {
      if (last == '_' && !(prefixed && !any))
        return false;
      last = c;
      continue;
    }
    int d = digit_value(c, base);
    if (d < 0 || value > (limit - static_cast<uint64_t>(d)) / static_cast<uint64_t>(base))
      return false;
    value = value * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
    any = true;
    last = c;
  }
  if (last == '_' || (!any && (prefixed || base != 8)))
    return false;
  out = negative ? static_cast<int64_t>(0 - value) : static_cast<int64_t>(value);
  return true;
}

bool parse_go_float(std::string_view text, double& out) {
  if (text.empty() ||
      text.find_first_not_of("0123456789+-.eE_") != std::string_view::npos)
    return false;
  std::string copy{text};
  if (copy.find('_') != std::string::npos)
    return false; // Go allows '_' only in base-prefixed literals here
  char* end = nullptr;
  errno = 0;
  out = std::strtod(copy.c_str(), &end);
  return end == copy.c_str() + copy.size() && errno == 0;
}

} // namespace nsq
