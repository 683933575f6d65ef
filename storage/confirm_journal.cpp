#include "storage/confirm_journal.hpp"

#include "protocol/crc32c.hpp"
#include "storage/atomic_file.hpp"

#include <algorithm>

namespace nsq::storage {

namespace {

// An entry (docs/disk-format.md, "Confirm journal"):
//   offset 0   4 bytes  magic CA F5 0C 01 (last byte: format version)
//   offset 4   8 bytes  uint64 BE  segment number of the confirmed record
//   offset 12  8 bytes  uint64 BE  offset of the record in that segment
//   offset 20  4 bytes  uint32 BE  CRC-32C of bytes 0..19
constexpr unsigned char entry_magic[4] = {0xCA, 0xF5, 0x0C, 0x01};
constexpr size_t crc_offset = 20;

void put_u64(std::string& out, uint64_t x) {
  for (int shift = 56; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>(x >> shift));
}

uint64_t get_u64(const char* p, int bytes) {
  uint64_t x = 0;
  for (int i = 0; i < bytes; ++i)
    x = (x << 8) | static_cast<unsigned char>(p[i]);
  return x;
}

/// Entries read per read call while loading (bounded memory for any file size).
constexpr size_t load_chunk_entries = 2730;

} // namespace

void append_confirm_entry(std::string& out, const queue_position& pos) {
  auto start = out.size();
  out.append(reinterpret_cast<const char*>(entry_magic), sizeof entry_magic);
  put_u64(out, pos.file);
  put_u64(out, pos.offset);
  auto crc = crc32c(std::string_view(out).substr(start, crc_offset));
  for (int shift = 24; shift >= 0; shift -= 8)
    out.push_back(static_cast<char>(crc >> shift));
}

bool decode_confirm_entry(std::string_view bytes, queue_position& pos) {
  if (bytes.size() < confirm_journal::entry_size ||
      bytes.substr(0, sizeof entry_magic) !=
          std::string_view(reinterpret_cast<const char*>(entry_magic),
                           sizeof entry_magic))
    return false;
  auto crc = static_cast<uint32_t>(get_u64(bytes.data() + crc_offset, 4));
  if (crc != crc32c(bytes.substr(0, crc_offset)))
    return false;
  pos.file = get_u64(bytes.data() + 4, 8);
  pos.offset = get_u64(bytes.data() + 12, 8);
  return true;
}

status confirm_journal::load(queue_position floor, queue_position write, uint64_t& torn) {
  live_.clear();
  pending_.clear();
  file_ = posix_file{};
  file_entries_ = 0;
  torn = 0;
  posix_file f;
  status st = posix_file::open_read(path_, f);
  if (st.is_not_found())
    return status::ok();
  if (!st.is_ok())
    return st;
  uint64_t size = 0;
  if (auto s = f.size(size); !s.is_ok())
    return s;
  file_entries_ = size / entry_size;
  torn += size % entry_size != 0 ? 1 : 0; // a torn final entry
  std::string buf(load_chunk_entries * entry_size, '\0');
  for (uint64_t i = 0; i < file_entries_; i += load_chunk_entries) {
    auto n = std::min<uint64_t>(load_chunk_entries, file_entries_ - i);
    size_t got = 0;
    if (auto s = f.read_at(i * entry_size, buf.data(), n * entry_size, got); !s.is_ok())
      return s;
    for (size_t k = 0; k + entry_size <= got; k += entry_size) {
      queue_position pos;
      if (!decode_confirm_entry(std::string_view(buf).substr(k, entry_size), pos))
        ++torn;
      else if (!(pos < floor) && pos < write)
        live_.insert(pos);
    }
  }
  return status::ok();
}

status confirm_journal::open_for_append() {
  if (file_.is_open())
    return status::ok();
  return posix_file::open_write(path_, file_);
}

status confirm_journal::discard() {
  live_.clear();
  pending_.clear();
  file_entries_ = 0;
  uint64_t size = 0;
  if (!file_.is_open() && file_size(path_, size).is_not_found())
    return status::ok();
  status st = open_for_append();
  if (st.is_ok())
    st = file_.truncate(0);
  if (!st.is_ok()) { // its entries must not outlive this: delete it instead
    file_ = posix_file{};
    return remove_file(path_);
  }
  return st;
}

status confirm_journal::remove() {
  live_.clear();
  pending_.clear();
  file_entries_ = 0;
  file_ = posix_file{};
  return remove_file(path_);
}

bool confirm_journal::add(const queue_position& pos) {
  if (!live_.insert(pos).second)
    return false;
  pending_.push_back(pos);
  return true;
}

void confirm_journal::drop_below(const queue_position& floor) {
  live_.erase(live_.begin(), live_.lower_bound(floor));
  pending_.erase(std::remove_if(pending_.begin(), pending_.end(),
                                [&](const queue_position& p) { return p < floor; }),
                 pending_.end());
}

status confirm_journal::commit() {
  if (pending_.empty())
    return status::ok();
  if (auto st = open_for_append(); !st.is_ok())
    return st;
  std::string bytes;
  bytes.reserve(pending_.size() * entry_size);
  for (auto& p : pending_)
    append_confirm_entry(bytes, p);
  auto end = file_entries_ * entry_size;
  status st = file_.write_at(end, bytes);
  if (st.is_ok())
    st = file_.sync();
  if (!st.is_ok()) {
    // Whatever part landed is true but not durable: written again next time
    // at the same place. The cut only tidies (a failed one changes nothing).
    file_.truncate(end);
    return st;
  }
  file_entries_ += pending_.size();
  pending_.clear();
  return status::ok();
}

status confirm_journal::compact() {
  if (!pending_.empty() || file_entries_ == 0)
    return status::ok(); // a failed commit is retried first; nothing to drop
  if (live_.empty()) {
    if (auto st = open_for_append(); !st.is_ok())
      return st;
    if (auto st = file_.truncate(0); !st.is_ok())
      return st;
    file_entries_ = 0;
    return status::ok();
  }
  if (file_entries_ <= 2 * live_.size() + slack_entries)
    return status::ok();
  // Rewritten elsewhere and renamed over: a crash leaves the old file or the
  // new one, each holding every live entry.
  std::string bytes;
  bytes.reserve(live_.size() * entry_size);
  for (auto& p : live_)
    append_confirm_entry(bytes, p);
  if (auto st = write_file_atomically(path_, bytes, 0644, false); !st.is_ok())
    return st;
  file_ = posix_file{}; // the old inode
  file_entries_ = live_.size();
  return status::ok();
}

} // namespace nsq::storage
