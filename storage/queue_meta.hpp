#pragma once

#include "storage/status.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace nsq::storage {

/// A place in a disk queue: segment number and byte offset in it.
struct queue_position {
  uint64_t file = 0;
  uint64_t offset = 0;

  friend bool operator==(const queue_position& a, const queue_position& b) {
    return a.file == b.file && a.offset == b.offset;
  }
  friend bool operator<(const queue_position& a, const queue_position& b) {
    return a.file < b.file || (a.file == b.file && a.offset < b.offset);
  }
};

/// The contents of `<name>.diskqueue.meta.dat`: how many unread records, where
/// reading resumes, where writing resumes.
struct queue_meta {
  uint64_t depth = 0;
  queue_position read;
  queue_position write;
  /// A channel's hand-off mark: the highest origin (position in its topic's
  /// queue) of any record it stored. None for topics and for channels that
  /// never stored a record the topic handed over from disk.
  std::optional<queue_position> mark;
};

/// Returns the meta file text: go-diskqueue's three lines
/// `depth\nreadFile,readPos\nwriteFile,writePos\n`, `mark:file,offset\n`
/// when there is a mark, then `crc32c:<8 hex>\n` over the lines before it,
/// so a damaged meta file is detected rather than trusted.
std::string encode_queue_meta(const queue_meta& meta);

/// Parses `text` into `out`; anything malformed or failing its checksum is corruption.
status decode_queue_meta(std::string_view text, queue_meta& out);

} // namespace nsq::storage
