#pragma once

#include "storage/posix_file.hpp"
#include "storage/queue_meta.hpp"
#include "storage/status.hpp"

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace nsq::storage {

/// A disk queue's records confirmed above its persisted read position (the
/// "floor": the oldest unconfirmed record), so a reopened queue skips them
/// instead of delivering them again (`<name>.diskqueue.confirmed.dat`,
/// docs/disk-format.md). Entries are appended in memory by `add` and written
/// with one pwrite and one fdatasync by `commit`, which the queue calls in its
/// sync (group commit). Entries the floor has passed are dead; `compact`
/// drops them, so the file holds at most 2 × live + 64 entries after every
/// successful sync, and live ≤ the records between floor and read position.
/// Every entry is a fact ("the record at this position was confirmed") that
/// stays true, so a crash at any moment, a torn tail or a lost write only
/// means fewer records are skipped: confirmed ones come back, never the
/// other way round.
class confirm_journal {
public:
  /// Compaction rewrites the file once dead entries outnumber the live ones
  /// by more than this.
  static constexpr uint64_t slack_entries = 64;
  /// Bytes of one entry on disk.
  static constexpr uint64_t entry_size = 24;

  /// The journal at `path` (its file is created at the first commit).
  explicit confirm_journal(std::string path) : path_(std::move(path)) {}

  /// Reads the file's good entries in [floor, write) (others are dead or
  /// foreign); a missing file is an empty journal. `torn` counts entries that
  /// did not verify (a torn tail or damage): they are ignored.
  status load(queue_position floor, queue_position write, uint64_t& torn);
  /// Forgets every entry and empties the file (the queue's positions can no
  /// longer be trusted: a rebuilt meta, or an emptied queue).
  status discard();
  /// Deletes the file.
  status remove();

  /// Returns whether the record at `pos` is confirmed (a journal entry).
  bool contains(const queue_position& pos) const { return live_.count(pos) > 0; }
  /// Records that the record at `pos` is confirmed; false if it already was.
  bool add(const queue_position& pos);
  /// The floor moved to `floor`: entries before it are dead.
  void drop_below(const queue_position& floor);
  /// Writes the entries added since the last commit and fdatasyncs. On
  /// failure they stay pending for the next commit (nothing else changes).
  status commit();
  /// Call after the meta naming the current floor was written: empties the
  /// file when nothing is live, rewrites it (atomically) when dead entries
  /// outnumber live ones by more than slack_entries.
  status compact();

  /// Returns the entries at or above the floor.
  uint64_t live() const { return live_.size(); }
  /// Returns the entries in the file, dead or alive.
  uint64_t file_entries() const { return file_entries_; }
  /// Returns the entries added but not yet written.
  uint64_t pending() const { return pending_.size(); }

private:
  status open_for_append();

  std::string path_;
  posix_file file_;                     ///< open once something was appended
  uint64_t file_entries_ = 0;           ///< whole entries in the file
  std::set<queue_position> live_;       ///< confirmed records at or above the floor
  std::vector<queue_position> pending_; ///< added, not yet written
};

/// Appends the 24-byte journal entry naming `pos` to `out`.
void append_confirm_entry(std::string& out, const queue_position& pos);

/// Decodes the entry at `bytes` (confirm_journal::entry_size bytes); false if
/// it does not verify.
bool decode_confirm_entry(std::string_view bytes, queue_position& pos);

} // namespace nsq::storage
