#pragma once

#include <cstdint>
#include <deque>
#include <vector>

namespace nsq {

/// The disk worker's record of records handed to its owner and not yet
/// confirmed. Records get consecutive sequence numbers as they are read; the
/// owner confirms them in any order (FIN order), but the disk queue's read
/// position can only move past an unbroken run of confirmed oldest records,
/// so `confirm` returns how long that run grew.
class confirm_window {
public:
  /// Numbers n more records; returns the first one's sequence number.
  uint64_t add(uint64_t n);
  /// Marks `seqs` confirmed (unknown or repeated ones are ignored: stale
  /// after an empty); returns how many of the oldest are now released.
  uint64_t confirm(const std::vector<uint64_t>& seqs);
  /// Marks every record numbered below `end` confirmed; returns how many of
  /// the oldest are now released.
  uint64_t confirm_below(uint64_t end);
  /// Forgets every outstanding record (they were released wholesale).
  void clear();
  /// Returns the number of records not yet released.
  uint64_t outstanding() const { return done_.size(); }

private:
  uint64_t base_ = 0;     ///< sequence number of done_.front()
  std::deque<bool> done_; ///< confirmed flags, oldest first
};

} // namespace nsq
