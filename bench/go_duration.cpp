#include "bench/go_duration.hpp"

#include <cctype>
#include <cmath>
#include <cstdint>
#include <cstdlib>

namespace bench {

namespace {

/// Returns the length of a unit suffix in nanoseconds, or 0 if unknown.
double unit_ns(std::string_view unit) {
  if (unit == "ns")
    return 1;
  if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs")
    return 1e3;
  if (unit == "ms")
    return 1e6;
  if (unit == "s")
    return 1e9;
  if (unit == "m")
    return 60e9;
  if (unit == "h")
    return 3600e9;
  return 0;
}

/// Formats `v / 10^digits` with trailing fractional zeros removed.
std::string fixed_trimmed(uint64_t v, int digits) {
  uint64_t scale = 1;
  for (int i = 0; i < digits; ++i)
    scale *= 10;
  auto text = std::to_string(v / scale);
  auto frac = v % scale;
  if (frac == 0)
    return text;
  std::string f = std::to_string(frac);
  f.insert(0, static_cast<size_t>(digits) - f.size(), '0');
  while (!f.empty() && f.back() == '0')
    f.pop_back();
  return text + "." + f;
}

} // namespace

std::optional<nanoseconds> parse_go_duration(std::string_view text) {
  if (text == "0")
    return nanoseconds(0);
  if (text.empty())
    return std::nullopt;
  double total = 0;
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[i])) || text[i] == '.'))
      ++i;
    if (i == start)
      return std::nullopt;
    std::string number(text.substr(start, i - start));
    char* end = nullptr;
    double value = std::strtod(number.c_str(), &end);
    if (end != number.c_str() + number.size())
      return std::nullopt; // "." alone, "1.2.3"
    size_t unit_start = i;
    while (i < text.size() && !std::isdigit(static_cast<unsigned char>(text[i])) &&
           text[i] != '.')
      ++i;
    double unit = unit_ns(text.substr(unit_start, i - unit_start));
    if (unit == 0)
      return std::nullopt;
    total += value * unit;
  }
  if (!std::isfinite(total) || total > 9.2e18)
    return std::nullopt;
  return nanoseconds(static_cast<int64_t>(total));
}

std::string go_duration_string(nanoseconds d) {
  int64_t ns = d.count();
  if (ns == 0)
    return "0s";
  std::string sign = ns < 0 ? "-" : "";
  auto u = static_cast<uint64_t>(ns < 0 ? -ns : ns);
  if (u < 1000)
    return sign + std::to_string(u) + "ns";
  if (u < 1000000)
    return sign + fixed_trimmed(u, 3) + "\xC2\xB5s";
  if (u < 1000000000)
    return sign + fixed_trimmed(u, 6) + "ms";
  uint64_t minutes = u / 60000000000ULL;
  uint64_t rest = u % 60000000000ULL;
  std::string text = fixed_trimmed(rest, 9) + "s";
  if (minutes == 0)
    return sign + text;
  text = std::to_string(minutes % 60) + "m" + text;
  if (minutes >= 60)
    text = std::to_string(minutes / 60) + "h" + text;
  return sign + text;
}

} // namespace bench
