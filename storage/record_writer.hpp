#pragma once

#include "storage/posix_file.hpp"
#include "storage/status.hpp"

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace nsq::storage {

/// Appends the record framing `payload` (record_format.hpp) to `out`.
void append_record(std::string& out, std::string_view payload);

/// Returns the bytes a record with an `n`-byte payload occupies on disk.
uint64_t record_size(uint64_t n);

/// Appends records to one segment file. `add` only buffers; `flush` writes
/// the buffer with one pwrite at the end of the good data. A failed flush
/// cuts the file back, so the file never ends in a partial record we counted.
class record_writer {
public:
  record_writer() = default;
  /// Writes into `file` from `offset` (the end of its good records).
  record_writer(posix_file file, uint64_t offset);

  bool is_open() const { return file_.is_open(); }
  /// Returns the end of the flushed records: where the next record goes.
  uint64_t offset() const { return offset_; }
  /// Returns the bytes added but not yet flushed.
  uint64_t pending_bytes() const { return buffer_.size(); }

  /// Buffers one record.
  void add(std::string_view payload);
  /// Writes the buffered records. On failure none of them is stored, the
  /// buffer is dropped and the offset is unchanged. `fault` (tests:
  /// disk_queue_options::write_fault) may fail the write after a prefix.
  status flush(const std::function<status(uint64_t&)>& fault = nullptr);
  /// Flushes file data to the device.
  status sync() { return file_.sync(); }
  /// Cuts anything after the good records (left by a failed cut-back), syncs
  /// and closes: the file is complete and its size is its content.
  status finish();

private:
  posix_file file_;
  uint64_t offset_ = 0;
  std::string buffer_;
};

} // namespace nsq::storage
