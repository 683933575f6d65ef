#pragma once

// The answer to a disk read (disk_read_atom): the records' bytes back to
// back in one string and where each ends, so a read of 1,024 records costs
// two allocations instead of one per record.

#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nsq {

struct disk_record_batch {
  std::string bytes;
  std::vector<uint64_t> ends; ///< end of record i in `bytes`

  size_t size() const { return ends.size(); }
  bool empty() const { return ends.empty(); }

  /// Returns record i (valid while the batch lives and is not changed).
  std::string_view operator[](size_t i) const {
    auto begin = i == 0 ? 0 : ends[i - 1];
    return std::string_view{bytes}.substr(begin, ends[i] - begin);
  }

  /// Ends the record appended to `bytes` since the last one ended.
  void end_record() { ends.push_back(bytes.size()); }

  void clear() {
    bytes.clear();
    ends.clear();
  }
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, disk_record_batch& x) {
  return f(caf::meta::type_name("nsq_disk_record_batch"), x.bytes, x.ends);
}

} // namespace nsq
