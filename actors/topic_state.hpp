#pragma once

// Private to the topic actor (and its tests, which read the queues).

#include "actors/disk_link.hpp"
#include "actors/handoff_tracker.hpp"
#include "actors/held_queue.hpp"
#include "actors/messages.hpp"
#include "actors/publish_credit.hpp"
#include "protocol/id_generator.hpp"
#include "protocol/settings.hpp"

#include <caf/actor.hpp>
#include <caf/error.hpp>
#include <caf/stateful_actor.hpp>
#include <caf/timespan.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace nsq {

/// One channel of the topic and how full the topic believes its memory
/// queue is (flow control: +n per forwarded message, -n per drained).
struct channel_slot {
  caf::actor handle;
  bool ephemeral = false; ///< drops overflow itself: never waited for
  uint64_t queued = 0;
  bool wants = true; ///< wants the topic's disk records now (wants_atom)
};

struct topic_state {
  std::string topic_name;
  std::shared_ptr<const settings> cfg;
  bool ephemeral = false;
  id_generator ids{0};

  std::map<std::string, channel_slot> channels;
  held_queue held;          ///< no channel yet, or no room in a channel
  bool had_channel = false; ///< an ephemeral topic stays until one came and went

  uint64_t message_count = 0;
  uint64_t message_bytes = 0;
  bool paused = false; ///< hold everything: copy nothing to channels (§11.7)
  /// A topic created at run time holds everything until the lookupds'
  /// channels exist, so they all get the first messages (§11.2).
  bool discovering = false;

  disk_context_ptr disk_ctx; ///< null: memory only (ephemeral, or no disk)
  disk_link disk;            ///< the topic's disk queue, behind `held`
  handoff_tracker handoff;   ///< disk records not yet taken by every channel
  /// Deferred records (DPUBs) written to the disk queue and not yet read
  /// back: while there are any, the topic reads its disk even if no channel
  /// wants its records, so a DPUB's delay never waits for a consumer.
  uint64_t deferred_on_disk = 0;
  /// The queue had files at startup: they may hold DPUBs (until it ran dry).
  bool may_hold_deferred = false;
  bool exiting = false; ///< shutting down or deleted: no metadata changes
  /// Shutting down and every channel ended: the disk queue is being closed.
  bool persisting = false;
  /// A channel ended at shutdown without storing what it held: the records
  /// of the batches forwarded to channels stay on disk (duplicates, not loss).
  bool keep_forwarded = false;

  publish_credit credit; ///< messages promised to publishing sessions
  /// An exit arrived while sessions held credit: it waits until each gave
  /// its credit back (or ended), so messages sent on credit are persisted.
  bool exit_held = false;
  caf::error exit_reason; ///< of the held exit, or of the shutdown under way

  static inline const char* name = "topic";
};

/// Whether messages stay in the topic instead of going to its channels.
inline bool holding(const topic_state& st) {
  return st.paused || st.discovering;
}

using topic_actor = caf::stateful_actor<topic_state>;

} // namespace nsq
