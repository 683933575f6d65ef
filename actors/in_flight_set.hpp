#pragma once

#include "actors/message_id_hash.hpp"
#include "actors/messages.hpp"

#include <caf/actor_addr.hpp>
#include <caf/actor_clock.hpp>

#include <map>
#include <optional>
#include <unordered_map>
#include <vector>

namespace nsq {

/// A channel's messages in flight: found by ID (FIN, REQ, TOUCH) and ordered
/// by deadline (timeouts), so the channel needs one timer for the earliest
/// deadline instead of one per message. An ID is in flight at most once.
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

  /// Returns the entry of `id`, or nullptr.
  const entry* find(const message_id& id) const;

  /// Removes `id` and returns its entry; `id` must be in flight.
  entry take(const message_id& id);

  /// Moves the deadline of `id` (which must be in flight) to `deadline`.
  void reschedule(const message_id& id, time_point deadline);

  /// Returns the earliest deadline, if any.
  std::optional<time_point> earliest() const;

  /// Removes and returns every entry whose deadline is <= `now`, earliest first.
  std::vector<entry> take_due(time_point now);

  /// Removes and returns every entry owned by `owner`, earliest deadline first.
  std::vector<entry> take_owned_by(const caf::actor_addr& owner);

  size_t size() const { return slots_.size(); }

private:
  using index = std::multimap<time_point, message_id>;

  struct slot {
    entry value;
    index::iterator pos; ///< this entry's place in by_deadline_
  };

  std::unordered_map<message_id, slot, message_id_hash> slots_;
  index by_deadline_;
};

} // namespace nsq
