#pragma once

#include "storage/posix_file.hpp"
#include "storage/status.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace nsq::storage {

/// Told about every stretch of bytes a reader skips, and why.
class corruption_reporter {
public:
  virtual ~corruption_reporter() = default;
  /// `bytes` bytes from `offset` were skipped because of `reason`. `records`
  /// is 1 when they were exactly one record (its header verified: only its
  /// payload was bad), 0 when how many records they held is unknown.
  virtual void corruption(uint64_t offset, uint64_t bytes, uint64_t records,
                          const status& reason) = 0;
};

/// Reads the records of one segment file in order, up to a limit, skipping
/// damage: a record whose payload checksum fails is skipped as one record; a
/// header that does not verify makes the reader scan forward to the next
/// verifying header (never dropping more than the damaged stretch); an
/// incomplete record at the limit is a torn tail. Every skip is reported.
class record_reader {
public:
  record_reader() = default;
  /// Reads `file` from `offset` up to `limit`; payloads longer than
  /// `max_payload` are skipped unread (bounded memory). `reporter` may be null.
  record_reader(posix_file file, uint64_t offset, uint64_t limit, uint64_t max_payload,
                corruption_reporter* reporter);

  bool is_open() const { return file_.is_open(); }
  /// Returns where the next record is read: just past the last record
  /// returned or the last bytes skipped.
  uint64_t offset() const { return offset_; }
  /// Returns the limit, lowered to the file's size if the file is shorter.
  uint64_t limit() const { return limit_; }
  /// Lets the reader see records appended since (the writer's new offset).
  void extend_limit(uint64_t limit);

  /// Reads the next good record into `payload` (valid until the next call).
  /// Returns not_found at the limit, or the I/O error.
  status read(std::string_view& payload);

private:
  /// Makes bytes [pos, pos + n) available in the buffer; `have` is false when
  /// the limit (or the file) ends first.
  status fill(uint64_t pos, uint64_t n, bool& have);
  const char* at(uint64_t pos) const { return buffer_.data() + (pos - buffer_offset_); }
  bool header_verifies(const char* header) const;
  /// Returns the offset of the first verifying header at or after `from`.
  status resync(uint64_t from, uint64_t& found);
  void report(uint64_t bytes, uint64_t records, const status& reason);

  posix_file file_;
  uint64_t offset_ = 0;
  uint64_t limit_ = 0;
  uint64_t max_payload_ = 0;
  corruption_reporter* reporter_ = nullptr;
  std::string buffer_;
  uint64_t buffer_offset_ = 0;
};

} // namespace nsq::storage
