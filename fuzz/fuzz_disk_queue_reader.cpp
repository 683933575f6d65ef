// Fuzzes what the disk queue reads back: a segment file of fuzzer bytes
// through storage::record_reader (resync over damage, torn tails, oversized
// payloads), every returned payload through decode_queue_record, and the
// input as nsqd.dat JSON through decode_metadata.
// Input: a plan byte (bits 0-3 payload bound, 4-5 start offset, 7 limit past
// the end), then the file's bytes.
#include "storage/metadata.hpp"
#include "storage/queue_record.hpp"
#include "storage/record_format.hpp"
#include "storage/record_reader.hpp"
#include "storage/record_writer.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

/// Aborts, naming the broken invariant's line, when `ok` is false.
void require_at(bool ok, int line) {
  if (ok)
    return;
  std::fprintf(stderr, "invariant at line %d broken\n", line);
  std::abort();
}
#define require(ok) require_at((ok), __LINE__)

/// Sums what the reader reports skipping.
struct tally : nsq::storage::corruption_reporter {
  uint64_t skipped = 0;
  uint64_t next = 0; ///< skips come in file order, never overlapping
  void corruption(uint64_t offset, uint64_t bytes, uint64_t records,
                  const nsq::storage::status&) override {
    require(offset >= next && bytes > 0 && records <= 1);
    next = offset + bytes;
    skipped += bytes;
  }
};

/// The file the reader opens: an anonymous memory file named by /proc.
struct mem_file {
  int fd = -1;
  explicit mem_file(std::string_view bytes) {
    fd = ::memfd_create("fuzz_segment", 0);
    require(fd >= 0);
    size_t done = 0;
    while (done < bytes.size()) {
      auto n = ::write(fd, bytes.data() + done, bytes.size() - done);
      require(n > 0);
      done += static_cast<size_t>(n);
    }
  }
  ~mem_file() { ::close(fd); }
  std::string path() const { return "/proc/self/fd/" + std::to_string(fd); }
};

void read_segment(std::string_view file, uint8_t plan) {
  namespace st = nsq::storage;
  uint64_t max_payload = 1 + (plan & 0x0f) * 64;
  uint64_t start = (plan >> 4) % 4 == 0 ? 0 : ((plan >> 4) & 3) * 7 % (file.size() + 1);
  // Bit 7: the limit lies past the file's end (the writer's offset after a
  // torn write). Then only bounds are checked: the reader does not lower a
  // limit it never reads up to (reported to the storage owner).
  bool long_limit = (plan & 0x80) != 0;
  uint64_t limit = file.size() + (long_limit ? 7 : 0);
  mem_file mf(file);
  st::posix_file f;
  require(st::posix_file::open_read(mf.path(), f).is_ok());
  tally t;
  t.next = start;
  st::record_reader reader(std::move(f), start, limit, max_payload, &t);
  uint64_t records_bytes = 0;
  for (;;) {
    uint64_t before = reader.offset();
    std::string_view payload;
    auto s = reader.read(payload);
    if (s.is_not_found())
      break;
    require(s.is_ok());
    require(payload.size() <= max_payload);
    require(reader.offset() > before && reader.offset() <= file.size());
    // The record's exact bytes end where the reader now stands.
    std::string encoded;
    st::append_record(encoded, payload);
    require(reader.offset() >= encoded.size());
    require(file.substr(reader.offset() - encoded.size(), encoded.size()) == encoded);
    records_bytes += encoded.size();
    st::queue_record rec;
    if (st::decode_queue_record(payload, rec).is_ok())
      require(payload.size() >= st::queue_record_prefix_size);
  }
  // Every byte from the start was either a record or reported as skipped.
  require(start + records_bytes + t.skipped == reader.offset());
  require(reader.offset() <= limit);
  if (!long_limit)
    require(reader.offset() == file.size());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  std::string_view file(reinterpret_cast<const char*>(data) + 1, size - 1);
  read_segment(file, data[0]);
  nsq::storage::broker_metadata meta;
  if (nsq::storage::decode_metadata(file, meta).is_ok()) {
    // What decodes re-encodes and decodes to the same shape.
    nsq::storage::broker_metadata again;
    require(nsq::storage::decode_metadata(nsq::storage::encode_metadata(meta), again)
                .is_ok());
    require(again.topics.size() == meta.topics.size());
  }
  return 0;
}
