#include "protocol/go_json.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>

namespace nsq {

namespace {

constexpr const char* hex = "0123456789abcdef";

void append_u_escape(std::string& out, unsigned code) {
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4)
    out += hex[(code >> shift) & 0xf];
}

/// Returns the length of the valid UTF-8 sequence at `s[i]`, or 0.
size_t utf8_length(std::string_view s, size_t i) {
  auto b = static_cast<unsigned char>(s[i]);
  size_t n = b < 0x80           ? 1
             : (b >> 5) == 0x6  ? 2
             : (b >> 4) == 0xe  ? 3
             : (b >> 3) == 0x1e ? 4
                                : 0;
  if (n == 0 || i + n > s.size())
    return 0;
  uint32_t cp = n == 1 ? b : n == 2 ? (b & 0x1f) : n == 3 ? (b & 0x0f) : (b & 0x07);
  for (size_t k = 1; k < n; ++k) {
    auto c = static_cast<unsigned char>(s[i + k]);
    if ((c & 0xc0) != 0x80)
      return 0;
    cp = (cp << 6) | (c & 0x3f);
  }
  static constexpr uint32_t min_of[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < min_of[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
    return 0;
  return n;
}

} // namespace

void append_json_string(std::string& out, std::string_view s) {
  out += '"';
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == '<' || c == '>' || c == '&')
          append_u_escape(out, c);
        else
          out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    auto n = utf8_length(s, i);
    if (n == 0) {
      out += "\\ufffd";
      ++i;
      continue;
    }
    auto seq = s.substr(i, n);
    if (seq == "\xe2\x80\xa8" || seq == "\xe2\x80\xa9")
      append_u_escape(out, seq[2] == '\xa8' ? 0x2028 : 0x2029);
    else
      out.append(seq);
    i += n;
  }
  out += '"';
}

std::string json_string(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

std::string json_float(double v) {
  if (!std::isfinite(v))
    return "0"; // Go refuses these; we never produce them
  char buf[64];
  auto a = std::fabs(v);
  bool exp = a != 0 && (a < 1e-6 || a >= 1e21);
  auto fmt = exp ? std::chars_format::scientific : std::chars_format::fixed;
  auto res = std::to_chars(buf, buf + sizeof buf, v, fmt);
  std::string text(buf, res.ptr);
  if (exp) {
    // Go writes e-07 as e-7 (two-digit exponents only when needed).
    auto e = text.find('e');
    if (e != std::string::npos && e + 3 < text.size() && text[e + 2] == '0')
      text.erase(e + 2, 1);
  }
  return text;
}

} // namespace nsq
