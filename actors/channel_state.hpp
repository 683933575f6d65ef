#pragma once

// Private to the channel actor (and its tests, which read the counters).

#include "actors/disk_link.hpp"
#include "actors/disk_origins.hpp"
#include "actors/in_flight_set.hpp"
#include "actors/messages.hpp"
#include "protocol/quantiles.hpp"
#include "protocol/settings.hpp"
#include "storage/queue_meta.hpp"

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/actor_clock.hpp>
#include <caf/stateful_actor.hpp>

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <utility>

namespace nsq {

/// A subscribed session and its RDY window (reference §8.1).
struct consumer {
  caf::actor handle;
  consumer_info info;
  int64_t rdy = 0;
  int64_t in_flight = 0;
  uint64_t message_count = 0;
  uint64_t finish_count = 0;
  uint64_t requeue_count = 0;
  /// Bytes of message frames its session has room for (write backpressure,
  /// actors/flow_control.hpp); subscribe gives a new consumer a full window.
  int64_t credit = 0;

  /// Returns whether the consumer takes another message: rdy > 0 and
  /// in_flight < rdy (§8.1).
  bool ready() const { return rdy > 0 && in_flight < rdy; }

  /// Returns whether its session can take more bytes now. A consumer that is
  /// ready but not writable keeps its RDY window and waits for credit.
  bool writable() const { return credit > 0; }
};

struct channel_state {
  using time_point = caf::actor_clock::time_point;

  caf::actor topic; ///< told how much of the memory queue drained
  std::string topic_name;
  std::string channel_name;
  std::shared_ptr<const settings> cfg;
  bool ephemeral = false;

  std::deque<delivery> queue; ///< the memory queue
  in_flight_set in_flight;
  std::multimap<time_point, delivery> deferred; ///< by due time

  std::map<caf::actor_addr, consumer> consumers;
  caf::actor_addr last_first; ///< where the last dispatch round started
  bool had_consumer = false;  ///< an ephemeral channel stays until one came and left
  uint64_t topic_credit = 0;  ///< topic messages it believes are in `queue`
  /// Of the memory queue's newest, how many a failed disk write put back
  /// beyond the bound: the topic's credit keeps counting them.
  uint64_t unstored = 0;

  std::optional<time_point> wake_at; ///< when the pending wake fires
  uint64_t wake_gen = 0;             ///< stamps the pending wake; older ones are stale

  std::minstd_rand rng{std::random_device{}()}; ///< sample_rate draws

  uint64_t message_count = 0;
  uint64_t requeue_count = 0;
  uint64_t timeout_count = 0;

  bool paused = false; ///< deliver nothing; RDY windows are kept (§11.7)

  disk_context_ptr disk_ctx;   ///< null: memory only
  disk_link disk;              ///< `<topic>:<channel>`, behind `queue`
  std::vector<delivery> spill; ///< bound for disk, written once per handler
  /// (index in `spill`, origin): spilled copies of the topic's disk records,
  /// stored with their position in its queue (the queue's hand-off mark).
  std::vector<std::pair<size_t, storage::queue_position>> spill_origins;
  /// A write of records with origins failed (they went back to memory): no
  /// origins from now on, so the mark never passes a copy only memory holds.
  bool origins_off = false;
  disk_origins from_disk; ///< read from disk, confirmed once finished or re-stored
  bool exiting = false;   ///< persisting for shutdown, or purged
  bool wants = true;      ///< what the topic was told last (wants_atom)
  latency_window e2e;     ///< FIN latencies, when percentiles are configured

  static inline const char* name = "channel";
};

using channel_actor = caf::stateful_actor<channel_state>;

} // namespace nsq
