#include "storage/disk_queue.hpp"

#include "storage/atomic_file.hpp"
#include "storage/posix_file.hpp"
#include "storage/queue_files.hpp"

#include <cassert>

namespace nsq::storage {

disk_queue::disk_queue(disk_queue_options options)
    : options_(std::move(options)),
      journal_(journal_path(options_.directory, options_.name)) {
  if (options_.sync_every == 0)
    options_.sync_every = 1;
}

status disk_queue::open(disk_queue_options options, std::unique_ptr<disk_queue>& out) {
  if (options.name.empty())
    return status::invalid_argument("disk queue without a name");
  std::unique_ptr<disk_queue> queue(new disk_queue(std::move(options)));
  if (auto st = queue->recover(); !st.is_ok())
    return st;
  out = std::move(queue);
  return status::ok();
}

void disk_queue::skip_counter::corruption(uint64_t offset, uint64_t bytes,
                                          uint64_t records, const status& reason) {
  auto& q = *queue_;
  q.stats_.bytes_skipped += bytes;
  q.stats_.records_skipped += records;
  q.depth_ -= std::min(q.depth_, records);
  q.log(q.segment(q.read_.file) + ": skipped " + std::to_string(bytes) +
        " bytes at offset " + std::to_string(offset) + " (" + reason.to_string() + ")");
}

void disk_queue::log(const std::string& what) const {
  if (options_.log)
    options_.log(options_.name + ": " + what);
}

std::string disk_queue::segment(uint64_t number) const {
  return segment_path(options_.directory, options_.name, number);
}

queue_meta disk_queue::positions() const {
  return queue_meta{depth_, read_, write_, std::nullopt};
}

queue_meta disk_queue::persisted_positions() const {
  return queue_meta{depth_ + unconfirmed_.size() + skipped_.size(), ack_, write_, mark_};
}

/// Raises the hand-off mark to the payload's origin (records in order).
void disk_queue::note_origin(std::string_view payload) {
  if (!options_.origin_of)
    return;
  if (auto at = options_.origin_of(payload); at && (!mark_ || *mark_ < *at))
    mark_ = at;
}

/// Whether a record with the payload's origin was stored before: the topic
/// handed it over again (its confirm was not durable when a crash came).
bool disk_queue::stored_already(std::string_view payload) const {
  if (!options_.origin_of || !mark_)
    return false;
  auto at = options_.origin_of(payload);
  return at && !(*mark_ < *at);
}

status disk_queue::check_usable() const {
  if (closed_)
    return status::invalid_argument("disk queue " + options_.name + " is closed");
  return status::ok();
}

// --- writing -----------------------------------------------------------------

status disk_queue::ensure_writer() {
  if (writer_.is_open())
    return status::ok();
  // Reopened after a failed roll or close: continue at the known good end.
  posix_file file;
  if (auto st = posix_file::open_write(segment(write_.file), file); !st.is_ok())
    return st;
  writer_ = record_writer(std::move(file), write_.offset);
  return status::ok();
}

status disk_queue::roll() {
  assert(writer_.pending_bytes() == 0);
  if (auto st = writer_.finish(); !st.is_ok())
    return st;
  if (reader_.is_open() && read_.file == write_.file)
    reader_.extend_limit(write_.offset); // the old segment is complete now
  write_ = queue_position{write_.file + 1, 0};
  if (auto st = ensure_writer(); !st.is_ok())
    return st;
  // The new file's name must survive a power loss before records go in.
  return write_meta(true);
}

status disk_queue::put(std::string_view payload) {
  if (auto st = check_usable(); !st.is_ok())
    return st;
  if (payload.size() > options_.max_record_size)
    return status::invalid_argument("record of " + std::to_string(payload.size()) +
                                    " bytes exceeds the maximum");
  if (stored_already(payload))
    return status::ok();
  if (auto st = ensure_writer(); !st.is_ok())
    return st;
  if (write_.offset > 0 &&
      write_.offset + record_size(payload.size()) > options_.max_bytes_per_file)
    if (auto st = roll(); !st.is_ok())
      return st;
  writer_.add(payload);
  size_t stored = 0;
  if (auto st = flush_batch(1, stored); !st.is_ok())
    return st;
  note_origin(payload);
  count_operation(1);
  return status::ok();
}

status disk_queue::put_batch(const std::vector<std::string>& payloads, size_t& stored) {
  stored = 0;
  if (auto st = check_usable(); !st.is_ok())
    return st;
  for (const auto& p : payloads)
    if (p.size() > options_.max_record_size)
      return status::invalid_argument("record of " + std::to_string(p.size()) +
                                      " bytes exceeds the maximum");
  if (auto st = ensure_writer(); !st.is_ok())
    return st;
  std::vector<size_t>
      kept; // indexes of the records written (the rest are stored already)
  for (size_t i = 0; i < payloads.size(); ++i)
    if (!stored_already(payloads[i]))
      kept.push_back(i);
  size_t written = 0;
  status st = write_records(payloads, kept, written);
  // The mark covers what was written; the sync below persists both together.
  for (size_t k = 0; k < written; ++k)
    note_origin(payloads[kept[k]]);
  stored = written == kept.size() ? payloads.size() : kept[written];
  if (!st.is_ok())
    return st;
  count_operation(written);
  return status::ok();
}

status disk_queue::write_records(const std::vector<std::string>& payloads,
                                 const std::vector<size_t>& which, size_t& written) {
  size_t buffered = 0;
  for (auto i : which) {
    const auto& p = payloads[i];
    uint64_t end = write_.offset + writer_.pending_bytes();
    if (end > 0 && end + record_size(p.size()) > options_.max_bytes_per_file) {
      if (auto st = flush_batch(buffered, written); !st.is_ok())
        return st;
      buffered = 0;
      if (auto st = roll(); !st.is_ok())
        return st;
    }
    writer_.add(p);
    ++buffered;
  }
  return flush_batch(buffered, written);
}

status disk_queue::flush_batch(size_t records, size_t& stored) {
  if (auto st = writer_.flush(options_.write_fault); !st.is_ok()) {
    log("write failed, " + std::to_string(records) + " records not stored (" +
        st.to_string() + ")");
    return st;
  }
  write_.offset = writer_.offset();
  depth_ += records;
  stored += records;
  return status::ok();
}

/// A sync here follows a write or confirm that already happened: its failure
/// must not turn that into an error (the caller would drop or re-send the
/// record). It is logged and kept for the health report; the next sync retries.
void disk_queue::count_operation(uint64_t n) {
  ops_since_sync_ += n;
  sync_if_due();
}

void disk_queue::sync_if_due() {
  if (closed_ || ops_since_sync_ < options_.sync_every)
    return;
  if (auto st = sync(); !st.is_ok())
    log("sync failed, retried at the next sync (" + st.to_string() + ")");
}

// --- reading -----------------------------------------------------------------

status disk_queue::open_reader() {
  posix_file file;
  status st = posix_file::open_read(segment(read_.file), file);
  if (st.is_not_found())
    return st;
  if (!st.is_ok())
    return st;
  uint64_t limit = write_.offset;
  if (read_.file != write_.file)
    if (auto s = file.size(limit); !s.is_ok())
      return s;
  reader_ = record_reader(std::move(file), read_.offset, limit, options_.max_record_size,
                          &skip_counter_);
  return status::ok();
}

status disk_queue::advance_read_file() {
  assert(read_.file < write_.file);
  reader_ = record_reader{};
  read_ = queue_position{read_.file + 1, 0};
  // Only the reader moved: the file goes once `confirm` moves the meta past it.
  return status::ok();
}

void disk_queue::reconcile_depth() {
  if (depth_ == 0)
    return;
  // Every record before the writer was read or skipped: what the depth still
  // counts was in stretches we could not read record by record.
  stats_.records_skipped += depth_;
  log("reader reached the writer with depth " + std::to_string(depth_) + ": " +
      std::to_string(depth_) + " records lost to corruption");
  depth_ = 0;
}

status disk_queue::peek(std::string_view& record) {
  if (auto st = check_usable(); !st.is_ok())
    return st;
  if (peeked_) {
    record = peeked_record_;
    return status::ok();
  }
  for (;;) {
    if (read_.file == write_.file && read_.offset >= write_.offset) {
      reader_ = record_reader{};
      reconcile_depth();
      return status::not_found("queue " + options_.name + " has no unread record");
    }
    if (!reader_.is_open()) {
      status st = open_reader();
      if (st.is_not_found()) {
        ++stats_.segments_missing;
        log(segment(read_.file) + " is missing");
        if (read_.file == write_.file) {
          read_.offset = write_.offset;
          continue;
        }
        if (auto s = advance_read_file(); !s.is_ok())
          return s;
        continue;
      }
      if (!st.is_ok())
        return st;
    }
    if (read_.file == write_.file)
      reader_.extend_limit(write_.offset);
    std::string_view payload;
    status st = reader_.read(payload);
    if (st.is_ok()) {
      queue_position start{read_.file, reader_.offset() - record_size(payload.size())};
      if (journal_.contains(start)) { // confirmed before a crash: not again
        read_.offset = reader_.offset();
        depth_ -= std::min<uint64_t>(depth_, 1);
        skipped_.push_back(start);
        ++stats_.journaled_records_skipped;
        continue;
      }
      peeked_ = true;
      peek_end_ = reader_.offset();
      peek_start_ = start.offset;
      peeked_record_ = payload;
      record = payload;
      return status::ok();
    }
    if (!st.is_not_found())
      return st;
    if (read_.file < write_.file) {
      if (auto s = advance_read_file(); !s.is_ok())
        return s;
      continue;
    }
    // End of the write segment: the reader may have skipped damage, or the
    // file may be shorter than the writer believes (then those bytes are gone).
    if (reader_.offset() < write_.offset) {
      stats_.bytes_skipped += write_.offset - reader_.offset();
      log(segment(read_.file) + " ends at " + std::to_string(reader_.offset()) +
          ", before the write position " + std::to_string(write_.offset));
    }
    read_.offset = write_.offset;
  }
}

status disk_queue::pop() {
  if (!peeked_) {
    std::string_view ignored;
    if (auto st = peek(ignored); !st.is_ok())
      return st;
  }
  peeked_ = false;
  unconfirmed_.push_back(queue_position{read_.file, peek_start_});
  read_.offset = peek_end_;
  depth_ -= std::min<uint64_t>(depth_, 1);
  return status::ok();
}

void disk_queue::release(uint64_t n) {
  if (closed_ || n == 0)
    return;
  n = std::min<uint64_t>(n, unconfirmed_.size());
  unconfirmed_.erase(unconfirmed_.begin(), unconfirmed_.begin() + n);
  auto next = unconfirmed_.empty() ? read_ : unconfirmed_.front();
  bool left_files = forget_segments_before(next.file);
  move_floor(next);
  // A finished segment's space comes back at once (a full disk needs it):
  // the meta moves past it first, then the file goes.
  if (left_files)
    if (auto st = write_meta(false); !st.is_ok()) {
      sync_error_ = st;
      log("meta write failed (" + st.to_string() + ")");
      if (st.is_no_space())
        delete_pending_segments();
    }
  ops_since_sync_ += n;
}

/// The oldest unconfirmed record is now `floor`: journal entries and
/// skipped records before it are behind the meta's read position.
void disk_queue::move_floor(const queue_position& floor) {
  ack_ = floor;
  journal_.drop_below(floor);
  while (!skipped_.empty() && skipped_.front() < floor)
    skipped_.pop_front();
}

uint64_t disk_queue::confirm_above_floor(const std::vector<uint64_t>& indexes) {
  if (closed_)
    return 0;
  uint64_t added = 0;
  for (auto i : indexes)
    if (i < unconfirmed_.size() && journal_.add(unconfirmed_[i]))
      ++added;
  ops_since_sync_ += added;
  return added;
}

/// On a full disk the meta cannot move past confirmed segments until space
/// returns, and space returns only if they go: delete them anyway. Every
/// record in them is confirmed, so a crash before the next meta write only
/// finds them missing (skipped, logged) and loses nothing unconfirmed.
void disk_queue::delete_pending_segments() {
  while (!pending_deletes_.empty()) {
    if (auto st = remove_file(segment(pending_deletes_.back())); !st.is_ok())
      return;
    pending_deletes_.pop_back();
  }
}

/// Segments before `file` hold only confirmed records now: they are deleted
/// by the next meta write, after it stopped naming them. Returns whether any.
bool disk_queue::forget_segments_before(uint64_t file) {
  for (uint64_t f = ack_.file; f < file; ++f)
    pending_deletes_.push_back(f);
  return ack_.file < file;
}

status disk_queue::read_next(std::string& record) {
  std::string_view view;
  if (auto st = peek(view); !st.is_ok())
    return st;
  record.assign(view);
  if (auto st = pop(); !st.is_ok())
    return st;
  confirm(1);
  return status::ok();
}

// --- syncing and lifecycle ---------------------------------------------------

status disk_queue::write_meta(bool sync_dir) {
  if (options_.sync_fault)
    if (auto st = options_.sync_fault(); !st.is_ok())
      return st;
  std::string text = encode_queue_meta(persisted_positions());
  // A sync with only journal entries leaves the meta as it was: no rewrite.
  if (!sync_dir && text == last_meta_ && pending_deletes_.empty())
    return status::ok();
  status st = write_file_atomically(meta_path(options_.directory, options_.name), text,
                                    0644, sync_dir);
  if (!st.is_ok())
    return st;
  last_meta_ = std::move(text);
  while (!pending_deletes_.empty()) {
    if (auto s = remove_file(segment(pending_deletes_.back())); !s.is_ok())
      return s;
    pending_deletes_.pop_back();
  }
  return status::ok();
}

status disk_queue::sync() {
  if (auto st = check_usable(); !st.is_ok())
    return st;
  if (options_.sync_fault)
    if (auto st = options_.sync_fault(); !st.is_ok())
      return sync_error_ = st;
  if (writer_.is_open())
    if (auto st = writer_.sync(); !st.is_ok())
      return sync_error_ = st;
  // The journal and the meta never name data that is not yet on the device.
  // A journal that cannot be written only means its records may come again:
  // the meta still moves, and the entries are retried at the next sync.
  status journaled = commit_journal();
  if (auto st = write_meta(false); !st.is_ok())
    return sync_error_ = st;
  // Only once the meta names the floor may entries below it leave the file.
  if (journaled.is_ok())
    if (auto st = journal_.compact(); !st.is_ok())
      log("confirm journal compaction failed, retried at the next sync (" +
          st.to_string() + ")");
  ops_since_sync_ = journal_.pending();
  sync_error_ = journaled;
  return journaled;
}

status disk_queue::commit_journal() {
  if (journal_.pending() == 0)
    return status::ok();
  status st = options_.journal_fault ? options_.journal_fault() : status::ok();
  if (st.is_ok())
    st = journal_.commit();
  if (!st.is_ok())
    log("confirm journal write failed, " + std::to_string(journal_.pending()) +
        " confirmed records may be delivered again after a crash (" + st.to_string() +
        ")");
  return st;
}

status disk_queue::maybe_sync(clock::time_point now) {
  if (ops_since_sync_ == 0 || !last_quiet_) {
    last_quiet_ = now;
    return status::ok();
  }
  if (now - *last_quiet_ < options_.sync_timeout)
    return status::ok();
  last_quiet_ = now;
  return sync();
}

status disk_queue::empty() {
  if (auto st = check_usable(); !st.is_ok())
    return st;
  reader_ = record_reader{};
  peeked_ = false;
  writer_ = record_writer{};
  for (uint64_t f = ack_.file; f <= write_.file; ++f)
    pending_deletes_.push_back(f);
  write_ = queue_position{write_.file + 1, 0};
  read_ = write_;
  ack_ = write_;
  unconfirmed_.clear();
  skipped_.clear();
  if (auto st = journal_.discard(); !st.is_ok())
    log("confirm journal not emptied (" + st.to_string() + ")"); // names old files only
  depth_ = 0;
  ops_since_sync_ = 0;
  if (auto st = ensure_writer(); !st.is_ok())
    return st;
  return write_meta(true);
}

status disk_queue::close() {
  if (closed_)
    return status::ok();
  // Nothing written or confirmed since the last good sync (a queue only
  // opened, or synced already): data and meta are on the device as they
  // are; a shutdown closing thousands of such queues skips their fsyncs.
  status st = synced() && writer_.pending_bytes() == 0 ? status::ok() : sync();
  status finished = writer_.is_open() ? writer_.finish() : status::ok();
  reader_ = record_reader{};
  closed_ = true;
  return st.is_ok() ? finished : st;
}

status disk_queue::remove() {
  reader_ = record_reader{};
  writer_ = record_writer{};
  closed_ = true;
  std::vector<uint64_t> segments;
  if (auto st = list_segments(options_.directory, options_.name, segments); !st.is_ok())
    return st;
  for (uint64_t f : segments)
    if (auto st = remove_file(segment(f)); !st.is_ok())
      return st;
  if (auto st = journal_.remove(); !st.is_ok())
    return st;
  return remove_file(meta_path(options_.directory, options_.name));
}

} // namespace nsq::storage
