#pragma once

#include "actors/message_id_hash.hpp"
#include "protocol/message.hpp"

#include <cstdint>
#include <optional>
#include <unordered_map>

namespace nsq {

/// A channel's messages that came from its disk queue and are still needed
/// only in memory (queued, in flight, deferred): message ID → the record's
/// sequence number, confirmed to the disk worker once the message is finished
/// or stored again. A multimap: after a crash the same ID can come back twice
/// (the topic re-forwards what it had not confirmed), and each copy's record
/// must be confirmed once.
class disk_origins {
public:
  void add(const message_id& id, uint64_t seq) { seqs_.emplace(id, seq); }
  /// Removes one record number of `id`; none if it did not come from disk.
  std::optional<uint64_t> take(const message_id& id);
  void clear() { seqs_.clear(); }
  size_t size() const { return seqs_.size(); }

private:
  std::unordered_multimap<message_id, uint64_t, message_id_hash, message_id_equal> seqs_;
};

} // namespace nsq
