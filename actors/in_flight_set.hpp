#pragma once

#include "actors/deadline_queue.hpp"
#include "actors/messages.hpp"

#include <caf/actor_addr.hpp>
#include <caf/actor_clock.hpp>

#include <cstdint>
#include <optional>
#include <vector>

namespace nsq {

/// A channel's messages in flight: found by ID (FIN, REQ, TOUCH) and ordered
/// by deadline (timeouts), so the channel needs one timer for the earliest
/// deadline instead of one per message. An ID is in flight at most once.
///
/// No allocation per message in steady state: entries live in a slab of
/// reused slots, an open-addressing table (linear probing, backward-shift
/// deletion) maps IDs to slots (each cell carries 32 bits of its ID's hash,
/// so a probe touches a slot only when they match), and a deadline_queue orders the
/// deadlines with lazy deletion. The node-based unordered_map + multimap this replaces
/// cost ~15 % of the consume profile.
class in_flight_set {
public:
  using time_point = caf::actor_clock::time_point;

  struct entry {
    delivery msg;
    caf::actor_addr owner;   ///< the consumer (session) it was sent to
    time_point delivered_at; ///< start of this attempt (caps TOUCH)
    time_point deadline;
  };

  /// Adds `e` under `id`; returns false (and changes nothing) if `id` is
  /// already in flight.
  bool insert(const message_id& id, entry e);

  /// Returns the entry of `id`, or nullptr. The pointer is valid until the
  /// next call of a non-const member.
  const entry* find(const message_id& id) const;

  /// Starts loading the table cell where `id`'s probe begins; with `deep`,
  /// also the entry that cell names (read from the cell, so call it after a
  /// first pass without: a FIN batch then waits for memory a few times in
  /// all instead of twice per ID).
  void prefetch(const message_id& id, bool deep) const;

  /// Removes `id` and returns its entry; `id` must be in flight.
  entry take(const message_id& id);

  /// Moves the deadline of `id` (which must be in flight) to `deadline`.
  void reschedule(const message_id& id, time_point deadline);

  /// Returns the earliest deadline, if any.
  std::optional<time_point> earliest() const;

  /// Removes and returns every entry whose deadline is <= `now`, earliest
  /// first (equal deadlines: in the order they were scheduled).
  std::vector<entry> take_due(time_point now);

  /// Removes and returns every entry owned by `owner`, earliest deadline first.
  std::vector<entry> take_owned_by(const caf::actor_addr& owner);

  size_t size() const { return live_; }

private:
  static constexpr uint32_t none = UINT32_MAX;

  /// A slot of the slab. `value` is empty while the slot is free (an
  /// optional: a default delivery would allocate a message).
  struct node {
    std::optional<entry> value;
    message_id id{};
    uint64_t seq = 0; ///< the deadline_queue item that is current
  };

  /// A table cell: the upper 32 bits of the ID's hash (its position is
  /// their low bits), then the slot; empty_cell when free.
  using cell = uint64_t;
  static constexpr cell empty_cell = UINT64_MAX;
  static uint32_t tag_of(const message_id& id);
  static uint32_t slot_of(cell c) { return static_cast<uint32_t>(c); }

  /// Returns the table position holding `id`, or none.
  size_t position_of(const message_id& id) const;
  size_t home_of(cell c) const { return (c >> 32) & (table_.size() - 1); }
  uint32_t allocate_slot();
  void place(uint32_t slot);
  void place_cell(cell c);
  void erase_at(size_t pos);
  void grow_table();
  void schedule(uint32_t slot);
  bool stale(const deadline_queue::item& x) const;
  /// Pops stale items off the front, so earliest() is exact.
  void prune();
  /// Rebuilds the queue from the live entries once stale items dominate.
  void maybe_compact();
  /// Gives memory back after a burst, once nothing is in flight.
  void maybe_release();

  std::vector<node> nodes_;
  std::vector<uint32_t> free_; ///< reusable slots of nodes_
  std::vector<cell> table_;    ///< slots by ID hash
  deadline_queue queue_;
  size_t live_ = 0;
  uint64_t next_seq_ = 0;
};

} // namespace nsq
