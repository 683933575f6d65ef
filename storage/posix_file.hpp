#pragma once

#include "storage/status.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace nsq::storage {

/// An open file descriptor (closed on destruction) whose every system call
/// reports its error as a status naming the file.
class posix_file {
public:
  posix_file() = default;
  ~posix_file();
  posix_file(posix_file&& other) noexcept;
  posix_file& operator=(posix_file&& other) noexcept;
  posix_file(const posix_file&) = delete;
  posix_file& operator=(const posix_file&) = delete;

  /// Opens `path` for reading.
  static status open_read(const std::string& path, posix_file& out);
  /// Opens (creating with `mode` if absent) `path` for reading and writing.
  static status open_write(const std::string& path, posix_file& out,
                           unsigned mode = 0644);

  bool is_open() const { return fd_ >= 0; }
  const std::string& path() const { return path_; }

  /// Reads up to `n` bytes at `offset` into `dst`; `got` < `n` only at end of file.
  status read_at(uint64_t offset, char* dst, size_t n, size_t& got) const;
  /// Writes all of `data` at `offset` (retrying short writes and EINTR).
  status write_at(uint64_t offset, std::string_view data);
  /// Returns the file size in `out`.
  status size(uint64_t& out) const;
  /// Cuts (or extends) the file to `length` bytes.
  status truncate(uint64_t length);
  /// Flushes the file's data to the device (fdatasync).
  status sync();
  /// Closes the descriptor, reporting close's error.
  status close();

private:
  int fd_ = -1;
  std::string path_;
};

/// Flushes directory `dir`, making creations, renames and deletions in it durable.
status sync_directory(const std::string& dir);

/// Deletes `path`; an absent file is not an error.
status remove_file(const std::string& path);

/// Returns the size of `path` in `out`, or not_found if it does not exist.
status file_size(const std::string& path, uint64_t& out);

} // namespace nsq::storage
