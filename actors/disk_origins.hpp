#pragma once

#include "actors/message_id_table.hpp"
#include "protocol/message.hpp"

#include <cstdint>
#include <optional>

namespace nsq {

/// A channel's messages that came from its disk queue and are still needed
/// only in memory (queued, in flight, deferred): message ID → the record's
/// sequence number, confirmed to the disk worker once the message is finished
/// or stored again. A multimap: after a crash the same ID can come back twice
/// (the topic re-forwards what it had not confirmed), and each copy's record
/// must be confirmed once.
///
/// A flat table: a channel draining a backlog adds and takes every message,
/// and the node-based unordered_multimap this replaced cost ~16 % of the
/// broker's CPU there (an allocation per record, a cache miss per lookup, a
/// bucket walk per erase).
class disk_origins {
public:
  void add(const message_id& id, uint64_t seq) { table_.add(id, seq); }
  /// Removes one record number of `id`; none if it did not come from disk.
  std::optional<uint64_t> take(const message_id& id) {
    if (table_.size() == 0)
      return std::nullopt; // every FIN asks; most channels read nothing from disk
    auto seq = table_.take(id);
    if (seq)
      table_.release_slack(); // a drained backlog gives its memory back
    return seq;
  }
  /// Forgets every record and gives the memory back.
  void clear() { table_.clear(); }
  size_t size() const { return table_.size(); }

private:
  message_id_table table_;
};

} // namespace nsq
