#include "storage/queue_meta.hpp"

#include "protocol/crc32c.hpp"

#include <cstdio>

namespace nsq::storage {

namespace {

constexpr std::string_view crc_prefix = "crc32c:";
constexpr std::string_view mark_prefix = "mark:";

/// Parses decimal digits up to `stop` at `pos`; false on anything else or overflow.
bool parse_u64(std::string_view text, size_t& pos, char stop, uint64_t& out) {
  size_t start = pos;
  out = 0;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
    uint64_t digit = static_cast<uint64_t>(text[pos] - '0');
    if (out > (UINT64_MAX - digit) / 10)
      return false;
    out = out * 10 + digit;
    ++pos;
  }
  if (pos == start || pos >= text.size() || text[pos] != stop)
    return false;
  ++pos;
  return true;
}

} // namespace

std::string encode_queue_meta(const queue_meta& meta) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "%llu\n%llu,%llu\n%llu,%llu\n",
                static_cast<unsigned long long>(meta.depth),
                static_cast<unsigned long long>(meta.read.file),
                static_cast<unsigned long long>(meta.read.offset),
                static_cast<unsigned long long>(meta.write.file),
                static_cast<unsigned long long>(meta.write.offset));
  std::string text = buf;
  if (meta.mark) {
    std::snprintf(buf, sizeof buf, "%llu,%llu\n",
                  static_cast<unsigned long long>(meta.mark->file),
                  static_cast<unsigned long long>(meta.mark->offset));
    text += mark_prefix;
    text += buf;
  }
  char crc[16];
  std::snprintf(crc, sizeof crc, "%08x\n", crc32c(text));
  text += crc_prefix;
  text += crc;
  return text;
}

status decode_queue_meta(std::string_view text, queue_meta& out) {
  queue_meta meta;
  size_t pos = 0;
  bool ok = parse_u64(text, pos, '\n', meta.depth) &&
            parse_u64(text, pos, ',', meta.read.file) &&
            parse_u64(text, pos, '\n', meta.read.offset) &&
            parse_u64(text, pos, ',', meta.write.file) &&
            parse_u64(text, pos, '\n', meta.write.offset);
  if (ok && text.substr(pos, mark_prefix.size()) == mark_prefix) {
    pos += mark_prefix.size();
    queue_position mark;
    ok = parse_u64(text, pos, ',', mark.file) && parse_u64(text, pos, '\n', mark.offset);
    meta.mark = mark;
  }
  if (!ok)
    return status::corruption("malformed queue meta");
  std::string_view lines = text.substr(0, pos);
  std::string_view rest = text.substr(pos);
  char expected[32];
  std::snprintf(expected, sizeof expected, "crc32c:%08x\n", crc32c(lines));
  if (rest != expected)
    return status::corruption("queue meta checksum mismatch");
  if (meta.write < meta.read)
    return status::corruption("queue meta read position is past its write position");
  out = meta;
  return status::ok();
}

} // namespace nsq::storage
