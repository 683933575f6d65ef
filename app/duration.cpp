#include "app/duration.hpp"

#include <cstdio>
#include <string>

#include <cstdint>
#include <limits>
#include <utility>

namespace nsq {

namespace {

/// Go's units in nanoseconds.
constexpr std::pair<std::string_view, int64_t> units[] = {
    {"ns", 1},
    {"us", 1000},
    {"\xC2\xB5s", 1000}, // U+00B5 micro sign
    {"\xCE\xBCs", 1000}, // U+03BC Greek mu
    {"ms", 1000000},
    {"s", 1000000000},
    {"m", 60 * int64_t{1000000000}},
    {"h", 3600 * int64_t{1000000000}},
};

constexpr uint64_t max_ns = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

/// One `[digits][.digits]` term: the whole part, and the fraction as
/// `frac / scale` (extra fraction digits beyond 18 are dropped, as in Go).
struct number {
  uint64_t whole = 0;
  uint64_t frac = 0;
  uint64_t scale = 1;
};

/// Reads a number from the front of `s`; false if no digit or overflow.
bool take_number(std::string_view& s, number& out) {
  size_t i = 0;
  bool any = false;
  for (; i < s.size() && is_digit(s[i]); ++i, any = true) {
    if (out.whole > (max_ns - 9) / 10)
      return false;
    out.whole = out.whole * 10 + static_cast<uint64_t>(s[i] - '0');
  }
  if (i < s.size() && s[i] == '.') {
    for (++i; i < s.size() && is_digit(s[i]); ++i, any = true) {
      if (out.scale >= 1000000000000000000ULL)
        continue;
      out.frac = out.frac * 10 + static_cast<uint64_t>(s[i] - '0');
      out.scale *= 10;
    }
  }
  s.remove_prefix(i);
  return any;
}

/// Reads a unit from the front of `s` and returns its size in nanoseconds.
bool take_unit(std::string_view& s, uint64_t& ns) {
  for (auto& [name, size] : units)
    if (s.substr(0, name.size()) == name) {
      if (name == "m" && s.size() > 1 && s[1] == 's')
        continue; // "m" must not swallow the "m" of "ms"
      s.remove_prefix(name.size());
      ns = static_cast<uint64_t>(size);
      return true;
    }
  return false;
}

} // namespace

bool parse_go_duration(std::string_view text, std::chrono::milliseconds& out) {
  auto s = text;
  bool negative = false;
  if (!s.empty() && (s.front() == '-' || s.front() == '+')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.empty())
    return false;
  uint64_t total = 0; // nanoseconds, or milliseconds for a bare integer
  if (s.find_first_not_of("0123456789") == std::string_view::npos) {
    number n;
    if (!take_number(s, n) || n.whole > max_ns / 1000000)
      return false;
    total = n.whole * 1000000;
  }
  while (!s.empty()) {
    number n;
    uint64_t unit = 0;
    if (!take_number(s, n) || !take_unit(s, unit))
      return false;
    if (n.whole > max_ns / unit)
      return false; // Go: "invalid duration"
    // scale <= 1e18 and unit <= 3.6e12: split to avoid overflow in frac * unit.
    auto part = n.whole * unit +
                static_cast<uint64_t>(static_cast<long double>(n.frac) * unit / n.scale);
    if (part > max_ns - total)
      return false;
    total += part;
  }
  auto ms = static_cast<int64_t>(total / 1000000);
  out = std::chrono::milliseconds{negative ? -ms : ms};
  return true;
}

bool parse_go_duration_strict(std::string_view text, std::chrono::milliseconds& out) {
  auto s = text;
  if (!s.empty() && (s.front() == '-' || s.front() == '+'))
    s.remove_prefix(1);
  bool bare = !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
  if (bare && s != "0")
    return false;
  return parse_go_duration(text, out);
}

std::string go_duration_text(std::chrono::milliseconds d) {
  auto ms = d.count();
  if (ms == 0)
    return "0s";
  if (ms % 1000 != 0 && ms < 1000)
    return std::to_string(ms) + "ms";
  auto s = ms / 1000;
  auto frac = ms % 1000;
  std::string secs = std::to_string(s % 60);
  if (frac != 0) {
    char buf[8];
    std::snprintf(buf, sizeof(buf), ".%03lld", static_cast<long long>(frac));
    std::string f = buf;
    while (f.back() == '0')
      f.pop_back();
    secs += f;
  }
  auto text = secs + "s";
  if (s < 60)
    return text;
  auto m = s / 60;
  text = std::to_string(m % 60) + "m" + text;
  if (m >= 60)
    text = std::to_string(m / 60) + "h" + text;
  return text;
}

} // namespace nsq
