// Opening a disk queue: bringing the meta file and the segment files into
// agreement after whatever happened before (clean close, SIGKILL, power loss,
// disk damage). Rules, in order:
//  1. No meta (or a damaged one) but segments: rebuild by scanning them.
//  2. Segments past the meta's write file (a roll the meta never recorded):
//     adopt them.
//  3. Write file longer than the meta says: records written after the last
//     sync are kept; a torn final record is cut off.
//  4. Write file shorter than the meta says (meta ahead of data): cut back to
//     the last good record and recount the depth.
#include "storage/atomic_file.hpp"
#include "storage/disk_queue.hpp"
#include "storage/posix_file.hpp"
#include "storage/queue_files.hpp"

namespace nsq::storage {

namespace {

/// Remembers whether any damage was seen (the tail scan stops at the first).
class damage_flag : public corruption_reporter {
public:
  void corruption(uint64_t, uint64_t, uint64_t, const status&) override { seen = true; }
  bool seen = false;
};

/// Counts records skipped one by one (the real reader lowers the depth for them).
class skipped_records : public corruption_reporter {
public:
  void corruption(uint64_t, uint64_t, uint64_t records, const status&) override {
    count += records;
  }
  uint64_t count = 0;
};

/// The largest meta file we read: three lines of numbers and a checksum.
constexpr uint64_t max_meta_size = 4096;

} // namespace

status disk_queue::recover() {
  std::vector<uint64_t> segments;
  if (auto st = list_segments(options_.directory, options_.name, segments); !st.is_ok())
    return st;
  std::string text;
  queue_meta meta;
  status st =
      read_small_file(meta_path(options_.directory, options_.name), max_meta_size, text);
  if (st.is_ok())
    st = decode_queue_meta(text, meta);
  if (st.is_ok()) {
    depth_ = meta.depth;
    read_ = meta.read;
    write_ = meta.write;
    mark_ = meta.mark;
    if (auto s = recover_write_segment(); !s.is_ok())
      return s;
    if (auto s = adopt_unrecorded_segments(segments); !s.is_ok())
      return s;
  } else if (st.is_not_found() || st.is_corruption()) {
    if (!segments.empty() || !st.is_not_found()) {
      log("meta file unusable (" + st.to_string() + "), rebuilding from " +
          std::to_string(segments.size()) + " segment files");
      ++stats_.meta_rebuilds;
    }
    if (auto s = rebuild_from_segments(segments); !s.is_ok())
      return s;
  } else {
    return st;
  }
  if (write_ < read_) {
    read_ = write_;
    depth_ = 0;
  }
  ack_ = read_; // nothing popped yet: every record from here on is unread
  load_journal();
  if (auto s = ensure_writer(); !s.is_ok())
    return s;
  // The meta about to name records found after the last sync (and the mark
  // they raised) must not name data that is not on the device.
  if (stats_.tail_records_recovered > 0)
    if (auto s = writer_.sync(); !s.is_ok())
      return s;
  return write_meta(true);
}

/// Reads the confirm journal: its records are skipped when read. Positions
/// are trusted only if the meta was: after a rebuild (or data shorter than
/// the meta said) a position could name another record, so the journal is
/// dropped and its records are delivered again.
void disk_queue::load_journal() {
  status st;
  if (stats_.meta_rebuilds > 0) {
    st = journal_.discard();
  } else {
    uint64_t torn = 0;
    st = journal_.load(ack_, write_, torn);
    stats_.journal_entries_torn += torn;
    if (torn > 0)
      log("ignored " + std::to_string(torn) + " damaged confirm journal entries");
  }
  if (!st.is_ok()) { // unreadable: those records are delivered again
    log("confirm journal unusable (" + st.to_string() + ")");
    journal_.discard();
  }
}

status disk_queue::rebuild_from_segments(const std::vector<uint64_t>& segments) {
  depth_ = 0;
  read_ = write_ = queue_position{};
  if (segments.empty())
    return status::ok();
  // The read position is lost: records still on disk are read again.
  read_ = queue_position{segments.front(), 0};
  write_ = queue_position{segments.back(), 0};
  if (auto st = count_records(read_, write_, depth_); !st.is_ok())
    return st;
  return recover_write_segment();
}

status disk_queue::adopt_unrecorded_segments(const std::vector<uint64_t>& segments) {
  if (segments.empty() || segments.back() <= write_.file)
    return status::ok();
  log("segments up to " + std::to_string(segments.back()) +
      " exist past the meta's write file " + std::to_string(write_.file) + ": adopting");
  uint64_t count = 0;
  queue_position from{write_.file + 1, 0};
  queue_position to{segments.back(), 0};
  if (auto st = count_records(from, to, count); !st.is_ok())
    return st;
  depth_ += count;
  stats_.tail_records_recovered += count;
  write_ = to;
  return recover_write_segment();
}

status disk_queue::recover_write_segment() {
  uint64_t size = 0;
  status st = file_size(segment(write_.file), size);
  if (st.is_not_found())
    size = 0;
  else if (!st.is_ok())
    return st;
  if (size >= write_.offset)
    return scan_tail(size);
  return repair_meta_ahead_of_data(size);
}

status disk_queue::scan_tail(uint64_t file_size) {
  if (file_size == write_.offset)
    return status::ok();
  posix_file file;
  if (auto st = posix_file::open_write(segment(write_.file), file); !st.is_ok())
    return st;
  posix_file read_handle;
  if (auto st = posix_file::open_read(segment(write_.file), read_handle); !st.is_ok())
    return st;
  damage_flag damage;
  record_reader reader(std::move(read_handle), write_.offset, file_size,
                       options_.max_record_size, &damage);
  uint64_t good_end = write_.offset;
  uint64_t count = 0;
  std::string_view payload;
  status st;
  while ((st = reader.read(payload)).is_ok() && !damage.seen) {
    ++count;
    good_end = reader.offset();
    note_origin(payload); // stored, but written after the meta's mark
  }
  if (!st.is_ok() && !st.is_not_found())
    return st;
  if (count > 0)
    log("recovered " + std::to_string(count) + " records written after the last sync");
  depth_ += count;
  stats_.tail_records_recovered += count;
  if (file_size > good_end) {
    log("cut a torn tail of " + std::to_string(file_size - good_end) + " bytes off " +
        segment(write_.file));
    stats_.tail_bytes_truncated += file_size - good_end;
    if (auto s = file.truncate(good_end); !s.is_ok())
      return s;
    if (auto s = file.sync(); !s.is_ok())
      return s;
  }
  write_.offset = good_end;
  return file.close();
}

status disk_queue::repair_meta_ahead_of_data(uint64_t file_size) {
  log("meta write position " + std::to_string(write_.offset) + " is past the end (" +
      std::to_string(file_size) + ") of " + segment(write_.file));
  ++stats_.meta_rebuilds;
  uint64_t good_end = 0;
  if (read_.file == write_.file)
    good_end = std::min(read_.offset, file_size);
  if (file_size > good_end) {
    posix_file read_handle;
    if (auto st = posix_file::open_read(segment(write_.file), read_handle); !st.is_ok())
      return st;
    record_reader reader(std::move(read_handle), good_end, file_size,
                         options_.max_record_size, nullptr);
    std::string_view payload;
    status st;
    while ((st = reader.read(payload)).is_ok())
      good_end = reader.offset();
    if (!st.is_not_found())
      return st;
    posix_file file;
    if (auto s = posix_file::open_write(segment(write_.file), file); !s.is_ok())
      return s;
    if (auto s = file.truncate(good_end); !s.is_ok())
      return s;
    if (auto s = file.close(); !s.is_ok())
      return s;
  }
  stats_.bytes_skipped += write_.offset - good_end;
  write_.offset = good_end;
  if (read_.file == write_.file && read_.offset > good_end)
    read_.offset = good_end;
  uint64_t count = 0;
  if (auto st = count_records(read_, write_, count); !st.is_ok())
    return st;
  if (depth_ > count) {
    log(std::to_string(depth_ - count) + " records lost with the missing data");
    stats_.records_skipped += depth_ - count;
  }
  depth_ = count;
  return status::ok();
}

status disk_queue::count_records(queue_position from, queue_position to,
                                 uint64_t& count) {
  count = 0;
  for (uint64_t f = from.file; f <= to.file; ++f) {
    posix_file file;
    status st = posix_file::open_read(segment(f), file);
    if (st.is_not_found())
      continue;
    if (!st.is_ok())
      return st;
    uint64_t limit = to.offset;
    if (f != to.file)
      if (auto s = file.size(limit); !s.is_ok())
        return s;
    skipped_records skipped;
    record_reader reader(std::move(file), f == from.file ? from.offset : 0, limit,
                         options_.max_record_size, &skipped);
    std::string_view payload;
    while ((st = reader.read(payload)).is_ok()) {
      ++count;
      note_origin(payload);
    }
    if (!st.is_not_found())
      return st;
    count += skipped.count;
  }
  return status::ok();
}

} // namespace nsq::storage
