#pragma once

#include "storage/status.hpp"

#include <cstdint>
#include <string>
#include <string_view>

namespace nsq::storage {

/// Replaces `path` with `contents` so that a crash leaves either the old or
/// the new file, never a mix: write `<path>.<random>.tmp`, fsync, rename over
/// `path`, and (if `sync_dir`) fsync the directory so the rename is durable.
status write_file_atomically(const std::string& path, std::string_view contents,
                             unsigned mode, bool sync_dir);

/// Reads all of `path` into `out`; a file larger than `max_bytes` is corruption
/// (it is never read into memory). An absent file is not_found.
status read_small_file(const std::string& path, uint64_t max_bytes, std::string& out);

/// Returns the directory part of `path` ("." when it has none).
std::string directory_of(const std::string& path);

} // namespace nsq::storage
