#pragma once

#include "protocol/message.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

namespace nsq {

/// A flat table message ID → 64-bit value (linear probing, load ≤ 1/2,
/// backward-shift deletion), for the maps that see one insert and one
/// removal per message: a session's in-flight IDs by owning channel
/// (session_channels), a channel's disk records by message (disk_origins).
/// The node-based unordered maps these replace cost a cache miss per lookup,
/// an allocation per insert and a bucket walk per erase. The value
/// UINT64_MAX is reserved (it marks a vacant slot). The table grows as
/// needed and shrinks only when asked (release_slack, clear).
class message_id_table {
public:
  /// Inserts `id` → `value` unless `id` is present; returns the value
  /// stored for `id` afterwards, and whether it was inserted now.
  uint64_t insert(const message_id& id, uint64_t value, bool& inserted);
  /// Inserts `id` → `value` even if `id` is present (a multimap's insert:
  /// take() then returns one of its values at a time).
  void add(const message_id& id, uint64_t value);
  /// Starts loading where `id`'s probe begins into the cache: a batch's IDs
  /// prefetched before they are looked up wait for memory once, together.
  void prefetch(const message_id& id) const {
    if (!table_.empty())
      __builtin_prefetch(&table_[home_of(id)]);
  }
  /// Returns the value of `id`, or nullptr.
  const uint64_t* find(const message_id& id) const;
  /// Removes `id`; false if absent.
  bool erase(const message_id& id);
  /// Removes `id` and returns its value, or nothing if absent.
  std::optional<uint64_t> take(const message_id& id);
  /// Removes every entry whose value is `value`, passing each ID to `taken`.
  template <class Fn> void erase_value(uint64_t value, Fn taken) {
    std::vector<slot> kept;
    kept.reserve(live_);
    for (auto& s : table_)
      if (s.value == value)
        taken(s.id);
      else if (s.value != vacant)
        kept.push_back(s);
    rebuild(kept);
  }
  /// Shrinks to a load of about 1/4 once the load fell below 1/8 (so a
  /// caller may ask after every removal without rebuilding each time).
  void release_slack();
  /// Forgets every entry and gives the memory back.
  void clear();
  size_t size() const { return live_; }

private:
  static constexpr uint64_t vacant = UINT64_MAX;

  struct slot {
    message_id id{};
    uint64_t value = vacant;
  };

  size_t home_of(const message_id& id) const;
  size_t position_of(const message_id& id) const; ///< table_.size() if absent
  void place(const slot& s);
  std::vector<slot> live_entries() const;
  /// Places `entries` into a new table at a load of at most 1/4.
  void rebuild(const std::vector<slot>& entries);
  void erase_at(size_t pos);

  std::vector<slot> table_; ///< empty, or a power of two
  size_t live_ = 0;
};

} // namespace nsq
