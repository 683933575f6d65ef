#include "protocol/errors.hpp"

#include <cstdint>

namespace nsq {

namespace {

constexpr char hex_digits[] = "0123456789abcdef";

void append_hex_escape(std::string& out, char prefix, uint32_t value, int digits) {
  out += '\\';
  out += prefix;
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4)
    out += hex_digits[(value >> shift) & 0xf];
}

/// Decodes one UTF-8 sequence at `s[i]`; returns its length (0 if invalid).
size_t decode_utf8(const std::string& s, size_t i, uint32_t& rune) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  auto cont = [&](size_t k) { return k < s.size() && (byte(k) & 0xc0) == 0x80; };
  unsigned char b0 = byte(i);
  if (b0 >= 0xc2 && b0 <= 0xdf && cont(i + 1)) {
    rune = ((b0 & 0x1fu) << 6) | (byte(i + 1) & 0x3fu);
    return 2;
  }
  if (b0 >= 0xe0 && b0 <= 0xef && cont(i + 1) && cont(i + 2)) {
    rune = ((b0 & 0x0fu) << 12) | ((byte(i + 1) & 0x3fu) << 6) | (byte(i + 2) & 0x3fu);
    // Overlong encodings and UTF-16 surrogates are invalid, as in Go.
    return (rune < 0x800 || (rune >= 0xd800 && rune <= 0xdfff)) ? 0 : 3;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4 && cont(i + 1) && cont(i + 2) && cont(i + 3)) {
    rune = ((b0 & 0x07u) << 18) | ((byte(i + 1) & 0x3fu) << 12) |
           ((byte(i + 2) & 0x3fu) << 6) | (byte(i + 3) & 0x3fu);
    return (rune < 0x10000 || rune > 0x10ffff) ? 0 : 4;
  }
  return 0;
}

/// Approximates Go's unicode.IsPrint for non-ASCII runes: the C1 controls,
/// non-ASCII spaces, format characters and private use areas are escaped.
bool is_printable_rune(uint32_t r) {
  if (r >= 0x80 && r <= 0xa0)
    return false;
  if (r == 0xad || r == 0x1680 || r == 0x3000 || r == 0xfeff)
    return false;
  if ((r >= 0x2000 && r <= 0x200f) || (r >= 0x2028 && r <= 0x202f) ||
      (r >= 0x205f && r <= 0x206f) || (r >= 0xfff9 && r <= 0xfffb))
    return false;
  if ((r >= 0xe000 && r <= 0xf8ff) || r >= 0xf0000)
    return false;
  return true;
}

} // namespace

std::string go_quote(const std::string& s) {
  std::string out;
  out.reserve(s.size() + 2);
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
      case '\a':
        out += "\\a";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
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
      case '\v':
        out += "\\v";
        break;
      default:
        if (c < 0x20 || c == 0x7f)
          append_hex_escape(out, 'x', c, 2);
        else
          out += static_cast<char>(c);
      }
      ++i;
      continue;
    }
    uint32_t rune = 0;
    size_t len = decode_utf8(s, i, rune);
    if (len == 0) {
      append_hex_escape(out, 'x', c, 2); // invalid UTF-8: one byte at a time
      ++i;
    } else if (is_printable_rune(rune)) {
      out.append(s, i, len);
      i += len;
    } else {
      if (rune < 0x10000)
        append_hex_escape(out, 'u', rune, 4);
      else
        append_hex_escape(out, 'U', rune, 8);
      i += len;
    }
  }
  out += '"';
  return out;
}

} // namespace nsq
