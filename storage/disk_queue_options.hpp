#pragma once

#include "storage/queue_meta.hpp"
#include "storage/status.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace nsq::storage {

/// How a disk queue is laid out and when it syncs (nsqd's flags).
struct disk_queue_options {
  /// `--data-path`: the directory holding the segment and meta files.
  std::string directory = ".";
  /// The topic name, or `<topic>:<channel>`.
  std::string name;
  /// `--max-bytes-per-file`: a segment is rolled before it would grow past
  /// this (a single larger record still gets a segment of its own).
  uint64_t max_bytes_per_file = 100 * 1024 * 1024;
  /// The largest record payload accepted or read back (max-msg-size plus the
  /// record's own header: see queue_record.hpp). Longer records are skipped
  /// when read, so a damaged length never drives an allocation.
  uint64_t max_record_size = 1024 * 1024 + 64;
  /// `--sync-every`: fsync after this many reads+writes (1 = every put).
  uint64_t sync_every = 2500;
  /// `--sync-timeout`: fsync when something happened and this long passed.
  std::chrono::steady_clock::duration sync_timeout = std::chrono::seconds(2);
  /// Told each repair in words (skipped bytes, truncated tails, rebuilt meta).
  std::function<void(std::string_view)> log;
  /// Fault injection for tests: called before each sync and each meta
  /// write; a non-ok status fails it as a failed fsync or meta write would.
  /// Unset in nsqd.
  std::function<status()> sync_fault;
  /// Where a record came from in its topic's queue (a channel's copy of a
  /// topic's record), or none: the queue keeps the highest as its hand-off
  /// mark and does not store a record again whose origin is at or below it.
  /// Unset: no marks (storage/queue_record.hpp's origin_of_record in nsqd).
  std::function<std::optional<queue_position>(std::string_view)> origin_of;
  /// Fault injection for tests: called before each write of the confirm
  /// journal (inside a sync); a non-ok status fails that write. Unset in nsqd.
  std::function<status()> journal_fault;
  /// Fault injection for tests: called before each write of records to a
  /// segment with the bytes about to be written; a non-ok status fails that
  /// write after the first `bytes` (as the hook leaves them) reached the file,
  /// as a short write on a full disk does. Unset in nsqd.
  std::function<status(uint64_t& bytes)> write_fault;
};

} // namespace nsq::storage
