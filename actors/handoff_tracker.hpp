#pragma once

#include "storage/queue_meta.hpp"

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <utility>
#include <vector>

namespace nsq {

/// A topic's disk records on their way to the channels. A record read from
/// the topic's disk queue is confirmed (released from disk) only once every
/// waited-for channel has taken its copy: stored in the channel's own disk
/// queue, or in its memory queue where settings allow messages to live in
/// memory. Channels report that through the topic's flow control (`drained`),
/// which counts messages in forwarding order, so a record forwarded as the
/// k-th counted message is safe once k < forwarded - max(channel queued).
class handoff_tracker {
public:
  /// A disk record entered the held queue (behind the ones before it; disk
  /// records are always the held queue's oldest); `origin` is its position
  /// in the topic's queue, if the I/O actor told it.
  void held(uint64_t seq, std::optional<storage::queue_position> origin = std::nullopt) {
    held_.emplace_back(seq, origin);
  }
  /// n messages left the held queue, oldest first: returns the record numbers
  /// of the disk records among them, and appends to `origins` the positions
  /// (file, offset) of the leading ones that have one.
  std::vector<uint64_t> leave_held(size_t n, std::vector<uint64_t>& origins);
  /// `seqs` are the first messages of the counted batch about to be forwarded.
  void await(const std::vector<uint64_t>& seqs);
  /// n more messages were forwarded under flow control.
  void count(uint64_t n) { forwarded_ += n; }
  /// Every channel holds at most `outstanding` forwarded messages not yet
  /// taken: returns the records now safe to release.
  std::vector<uint64_t> settle(uint64_t outstanding);
  /// Returns how many of the held queue's messages are disk records.
  size_t held_records() const { return held_.size(); }
  /// Forgets everything (the topic was emptied).
  void clear();

private:
  /// disk records in `held`: (seq, origin)
  std::deque<std::pair<uint64_t, std::optional<storage::queue_position>>> held_;
  std::deque<std::pair<uint64_t, uint64_t>> awaiting_; ///< (forward index, seq)
  uint64_t forwarded_ = 0;                             ///< counted messages forwarded
};

} // namespace nsq
