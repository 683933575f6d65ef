#pragma once

#include "storage/confirm_journal.hpp"
#include "storage/disk_queue_options.hpp"
#include "storage/queue_meta.hpp"
#include "storage/record_reader.hpp"
#include "storage/record_writer.hpp"
#include "storage/status.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace nsq::storage {

/// What a disk queue has skipped or repaired since it was opened.
struct recovery_stats {
  /// Damaged bytes the reader passed over (bad headers, bad checksums, torn records).
  uint64_t bytes_skipped = 0;
  /// Records known lost: bad payload checksums, plus the depth left over when
  /// the reader met the writer (records in skipped stretches or missing files).
  uint64_t records_skipped = 0;
  /// Confirm journal entries that did not verify at open (a torn tail):
  /// ignored, so their records are delivered again.
  uint64_t journal_entries_torn = 0;
  /// Records skipped when read back because the confirm journal has them.
  uint64_t journaled_records_skipped = 0;
  /// Records found at open after the meta's write position (written but not
  /// yet in the meta when the process died) and kept.
  uint64_t tail_records_recovered = 0;
  /// Bytes of a torn final record cut off the write segment at open.
  uint64_t tail_bytes_truncated = 0;
  /// Segment files the meta promised but the directory lacked.
  uint64_t segments_missing = 0;
  /// Times the meta was missing, damaged or ahead of the data and was rebuilt
  /// by scanning the segments.
  uint64_t meta_rebuilds = 0;
};

/// A FIFO of records on disk (go-diskqueue's role; docs/disk-format.md):
/// segment files rolled at max_bytes_per_file, a meta file with the read and
/// write positions replaced atomically, fsync by count and by time.
/// Reading is peek-then-confirm: a popped record stays on disk, and the meta's
/// read position stays before it, until `confirm` says the caller no longer
/// needs it (delivered and finished, or stored again elsewhere), so a crash
/// never loses a record that existed only in the caller's memory. Records
/// confirmed while an older one is not (FINs out of order) go to a confirm
/// journal, written with each sync, so a reopened queue skips them.
/// Synchronous and single-threaded: the caller (a detached I/O actor) owns it
/// and drives `maybe_sync` with its clock. No threads or timers inside.
class disk_queue {
public:
  using clock = std::chrono::steady_clock;

  /// Opens (or creates) the queue described by `options`, repairing what a
  /// crash left behind; repairs are counted in `stats()` and told to options.log.
  static status open(disk_queue_options options, std::unique_ptr<disk_queue>& out);

  disk_queue(const disk_queue&) = delete;
  disk_queue& operator=(const disk_queue&) = delete;
  ~disk_queue() = default;

  /// Appends one record. On failure nothing is stored or counted and what was
  /// stored before is untouched; a later put may succeed (space returned).
  /// A sync this put triggers never fails it (the record is stored, like
  /// go-diskqueue): a failed sync is kept in `sync_error()`.
  status put(std::string_view payload);
  /// Appends records with as few write calls as possible (one per segment).
  /// `stored` tells how many were stored: on failure, a prefix. A record
  /// whose origin is at or below the hand-off mark (options.origin_of) is
  /// stored already: it counts as stored and is not written again.
  status put_batch(const std::vector<std::string>& payloads, size_t& stored);

  /// Returns the oldest unread record in `record` without consuming it (the
  /// view stays valid until the next call). Returns not_found when the reader
  /// has reached the writer.
  status peek(std::string_view& record);
  /// Moves past the record `peek` returned (peeking first if needed). The
  /// record stays unconfirmed: a reopened queue reads it again until
  /// `confirm` covers it. Never syncs. The bytes `peek` returned stay in
  /// place until the next peek.
  status pop();
  /// Peeks, copies, pops and confirms: consuming at once, for draining and
  /// for callers that do not hold records in memory (mix it with pop+confirm
  /// only when nothing popped is unconfirmed).
  status read_next(std::string& record);
  /// Releases the n oldest popped, unconfirmed records: the meta's read
  /// position moves past them (synced per sync_every; a failed sync is kept
  /// in `sync_error()`, the confirm itself cannot fail) and segments left
  /// behind are deleted once the meta no longer names them.
  void confirm(uint64_t n) {
    release(n);
    sync_if_due();
  }
  /// Confirms every popped record (clean shutdown, after they were stored again).
  void confirm_all() { confirm(unconfirmed_.size()); }
  /// `confirm` without the sync: the caller groups several releases under
  /// one `sync_if_due` (a lagging read position only means duplicates).
  void release(uint64_t n);
  /// The popped records at `indexes` among the unconfirmed ones (0 = the
  /// oldest) are confirmed, but an older one is not, so the read position
  /// cannot pass them: they are journaled (written and fsynced by the next
  /// sync; counted toward sync_every) and a reopened queue skips them.
  /// Returns how many were not journaled before.
  uint64_t confirm_above_floor(const std::vector<uint64_t>& indexes);
  /// Syncs if sync_every operations happened since the last sync; a failure
  /// is kept in `sync_error()`.
  void sync_if_due();

  /// Returns the number of unread records.
  uint64_t depth() const { return depth_; }
  /// Returns the number of popped records not yet confirmed.
  uint64_t unconfirmed() const { return unconfirmed_.size(); }
  /// Returns the error of the most recent sync, ok once one succeeded again.
  const status& sync_error() const { return sync_error_; }
  /// Whether the files say everything written and confirmed: nothing
  /// happened since the last sync, and it succeeded.
  bool synced() const { return ops_since_sync_ == 0 && sync_error_.is_ok(); }
  /// Returns the hand-off mark: the highest origin of any record stored
  /// (kept in the meta, and found again in records written after it).
  const std::optional<queue_position>& mark() const { return mark_; }
  /// Returns the position of the record `pop` moved past last.
  queue_position last_popped() const { return unconfirmed_.back(); }
  /// Returns the queue's confirm journal (its sizes, for tests).
  const confirm_journal& journal() const { return journal_; }
  /// Returns what was skipped or repaired since open.
  const recovery_stats& stats() const { return stats_; }
  /// Returns the unread depth and the reader's and writer's positions.
  queue_meta positions() const;
  /// Returns what the meta file says (or will at the next sync): the read
  /// position of the oldest unconfirmed record, the depth counting from there.
  queue_meta persisted_positions() const;

  /// Syncs if sync_timeout has passed since the last call that found nothing
  /// to sync, and anything was read or written. Call at least that often.
  status maybe_sync(clock::time_point now);
  /// fsyncs the write segment, then replaces the meta file.
  status sync();
  /// Deletes every record (data files removed, depth 0); the queue stays usable.
  status empty();
  /// Syncs and closes the files; the queue is unusable afterwards.
  status close();
  /// Deletes the queue's files (segments and meta); unusable afterwards.
  status remove();

private:
  explicit disk_queue(disk_queue_options options);

  /// Counts skipped stretches into stats_ and the depth.
  class skip_counter : public corruption_reporter {
  public:
    explicit skip_counter(disk_queue* queue) : queue_(queue) {}
    void corruption(uint64_t offset, uint64_t bytes, uint64_t records,
                    const status& reason) override;

  private:
    disk_queue* queue_;
  };

  // disk_queue_recovery.cpp: bringing the files and the meta into agreement.
  status recover();
  status rebuild_from_segments(const std::vector<uint64_t>& segments);
  status adopt_unrecorded_segments(const std::vector<uint64_t>& segments);
  status recover_write_segment();
  status scan_tail(uint64_t file_size);
  status repair_meta_ahead_of_data(uint64_t file_size);
  status count_records(queue_position from, queue_position to, uint64_t& count);

  // disk_queue.cpp
  status check_usable() const;
  status ensure_writer();
  status roll();
  status flush_batch(size_t records, size_t& stored);
  status write_records(const std::vector<std::string>& payloads,
                       const std::vector<size_t>& which, size_t& written);
  void count_operation(uint64_t n);
  bool forget_segments_before(uint64_t file);
  void delete_pending_segments();
  status open_reader();
  status advance_read_file();
  void reconcile_depth();
  status write_meta(bool sync_dir);
  status commit_journal();
  void load_journal();
  void move_floor(const queue_position& floor);
  void note_origin(std::string_view payload);
  bool stored_already(std::string_view payload) const;
  void log(const std::string& what) const;
  std::string segment(uint64_t number) const;

  disk_queue_options options_;
  skip_counter skip_counter_{this};
  recovery_stats stats_;
  uint64_t depth_ = 0;
  queue_position read_; ///< the reader's position (in memory only)
  queue_position write_;
  queue_position ack_; ///< the meta's read position: the oldest unconfirmed record
  std::deque<queue_position> unconfirmed_; ///< popped, unconfirmed record starts
  confirm_journal journal_;                ///< records confirmed above ack_
  /// Journaled records the reader skipped (never popped) at or above ack_:
  /// the meta's depth still counts them, as the journal says to skip them.
  std::deque<queue_position> skipped_;
  std::string last_meta_;              ///< the meta file's contents as last written
  std::optional<queue_position> mark_; ///< highest origin stored (hand-off mark)
  status sync_error_;
  record_writer writer_;
  record_reader reader_;
  bool peeked_ = false;
  uint64_t peek_start_ = 0;
  uint64_t peek_end_ = 0;
  std::string_view peeked_record_; ///< into reader_'s buffer
  uint64_t ops_since_sync_ = 0;
  std::optional<clock::time_point> last_quiet_;
  std::vector<uint64_t>
      pending_deletes_; ///< read segments to delete once the meta moved past
  bool closed_ = false;
};

} // namespace nsq::storage
