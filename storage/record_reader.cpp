#include "storage/record_reader.hpp"

#include "protocol/crc32c.hpp"
#include "storage/record_format.hpp"

#include <algorithm>
#include <cstring>

namespace nsq::storage {

namespace rf = record_format;

namespace {

/// Bytes read ahead per pread: many small records per system call.
constexpr uint64_t read_chunk = 64 * 1024;

uint32_t get_u32(const char* p) {
  auto b = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
}

} // namespace

record_reader::record_reader(posix_file file, uint64_t offset, uint64_t limit,
                             uint64_t max_payload, corruption_reporter* reporter)
    : file_(std::move(file)), offset_(offset), limit_(std::max(offset, limit)),
      max_payload_(max_payload), reporter_(reporter), buffer_offset_(offset) {}

void record_reader::extend_limit(uint64_t limit) {
  limit_ = std::max(limit_, limit);
}

status record_reader::fill(uint64_t pos, uint64_t n, bool& have) {
  have = false;
  if (pos + n > limit_)
    return status::ok();
  if (pos >= buffer_offset_ && pos + n <= buffer_offset_ + buffer_.size()) {
    have = true;
    return status::ok();
  }
  // Never buffer past the limit: bytes there may still be written.
  uint64_t count = std::min(std::max(n, read_chunk), limit_ - pos);
  buffer_.resize(count);
  buffer_offset_ = pos;
  size_t got = 0;
  status st = file_.read_at(pos, buffer_.data(), count, got);
  buffer_.resize(got);
  if (!st.is_ok())
    return st;
  if (got < count)
    limit_ = pos + got; // the file is shorter than we were told
  have = got >= n;
  return status::ok();
}

bool record_reader::header_verifies(const char* header) const {
  if (std::memcmp(header, rf::magic.data(), rf::magic_size) != 0)
    return false;
  uint32_t stored = get_u32(header + rf::header_crc_offset);
  return stored == crc32c(std::string_view(header, rf::header_crc_offset));
}

status record_reader::resync(uint64_t from, uint64_t& found) {
  uint64_t pos = from;
  while (limit_ > pos && limit_ - pos >= rf::header_size) {
    uint64_t n = std::min(read_chunk, limit_ - pos);
    bool have = false;
    if (auto st = fill(pos, n, have); !st.is_ok())
      return st;
    if (!have)
      continue; // the limit shrank to the file's size: re-check the loop bound
    const char* base = at(pos);
    const char* last = base + (n - rf::header_size); // last candidate start
    for (const char* p = base; p <= last; ++p) {
      p = static_cast<const char*>(std::memchr(p, rf::magic[0], last - p + 1));
      if (p == nullptr)
        break;
      if (header_verifies(p)) {
        found = pos + static_cast<uint64_t>(p - base);
        return status::ok();
      }
    }
    pos += n - rf::header_size + 1;
  }
  found = limit_;
  return status::ok();
}

void record_reader::report(uint64_t bytes, uint64_t records, const status& reason) {
  if (reporter_ != nullptr && bytes > 0)
    reporter_->corruption(offset_, bytes, records, reason);
}

status record_reader::read(std::string_view& payload) {
  for (;;) {
    if (offset_ >= limit_)
      return status::not_found("end of segment");
    bool have = false;
    if (auto st = fill(offset_, rf::header_size, have); !st.is_ok())
      return st;
    if (!have) {
      if (offset_ < limit_)
        report(limit_ - offset_, 0, status::corruption("truncated record header"));
      offset_ = limit_;
      return status::not_found("end of segment");
    }
    if (!header_verifies(at(offset_))) {
      uint64_t next = limit_;
      if (auto st = resync(offset_ + 1, next); !st.is_ok())
        return st;
      report(next - offset_, 0, status::corruption("bad record header"));
      offset_ = next;
      continue;
    }
    uint64_t length = get_u32(at(offset_) + rf::length_offset);
    uint32_t expected_crc = get_u32(at(offset_) + rf::payload_crc_offset);
    uint64_t end = offset_ + rf::header_size + length;
    if (end > limit_) {
      report(limit_ - offset_, 0, status::corruption("truncated record"));
      offset_ = limit_;
      return status::not_found("end of segment");
    }
    if (length > max_payload_) {
      // The header verified, so the length is real: skip exactly this record.
      report(end - offset_, 1,
             status::corruption("record of " + std::to_string(length) +
                                " bytes exceeds the maximum " +
                                std::to_string(max_payload_)));
      offset_ = end;
      continue;
    }
    if (auto st = fill(offset_, end - offset_, have); !st.is_ok())
      return st;
    if (!have)
      continue; // the file ended early: the next round reports the torn tail
    std::string_view body(at(offset_) + rf::header_size, length);
    if (crc32c(body) != expected_crc) {
      report(end - offset_, 1, status::corruption("checksum mismatch"));
      offset_ = end;
      continue;
    }
    payload = body;
    offset_ = end;
    return status::ok();
  }
}

} // namespace nsq::storage
