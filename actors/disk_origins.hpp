#pragma once

#include "protocol/message.hpp"

#include <cstdint>
#include <optional>
#include <vector>

namespace nsq {

/// A channel's messages that came from its disk queue and are still needed
/// only in memory (queued, in flight, deferred): message ID → the record's
/// sequence number, confirmed to the disk worker once the message is finished
/// or stored again. A multimap: after a crash the same ID can come back twice
/// (the topic re-forwards what it had not confirmed), and each copy's record
/// must be confirmed once.
///
/// One flat table (linear probing, load ≤ 1/2): a channel draining a backlog
/// adds and takes every message, and the node-based unordered_multimap this
/// replaces cost ~16 % of the broker's CPU there (an allocation per record,
/// a cache miss per lookup, a bucket walk per erase).
class disk_origins {
public:
  void add(const message_id& id, uint64_t seq);
  /// Removes one record number of `id`; none if it did not come from disk.
  std::optional<uint64_t> take(const message_id& id);
  /// Forgets every record and gives the memory back.
  void clear();
  size_t size() const { return live_; }

private:
  static constexpr uint64_t vacant = UINT64_MAX;

  struct slot {
    message_id id{};
    uint64_t seq = vacant;
  };

  size_t home_of(const message_id& id) const;
  void place(const slot& s);
  void resize(size_t table_size);
  /// To a load of about 1/4 (load 1/8 triggers it: no resize per take).
  void shrink();

  std::vector<slot> table_; ///< empty, or a power of two
  size_t live_ = 0;
};

} // namespace nsq
