#pragma once

// The channels a session consumes from (docs/cluster.md, "A session attached
// to several channels"): its local channel, then the same topic/channel on
// other cluster members. A plain class, no actor: it decides the RDY share of
// each channel, which channel owns an in-flight message ID, and the write
// credit each channel holds; the session sends what it decides.
//
// With one channel (every non-cluster deployment) nothing here is per
// message: no ID map, no rotation, the whole RDY goes to the channel.

#include "actors/lazy_pool_resource.hpp"
#include "actors/message_id_hash.hpp"
#include "actors/message_id_table.hpp"
#include "protocol/message.hpp"

#include <caf/actor.hpp>
#include <caf/actor_addr.hpp>

#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

namespace nsq {

/// One channel actor the session is subscribed to.
struct attached_channel {
  caf::actor handle;
  std::string member;  ///< the cluster member it lives on ("" = local)
  uint64_t serial = 0; ///< stable name in the ID map
  int64_t share = 0;   ///< the RDY last sent to it
  /// Most RDY it may still act on: a lowered share counts only once the
  /// channel confirmed it (its deliveries sent before are then here).
  int64_t cap = 0;
  int64_t lowering = 0; ///< lowerings sent and not yet confirmed
  /// Delivered, not FIN'd, REQ'd or released (one lower while a FIN or REQ
  /// of an ID not in flight here waits for its error, see route()).
  int64_t in_flight = 0;
  int64_t granted = 0;    ///< write credit given, its initial window included
  int64_t charged = 0;    ///< its charge for what it delivered
  bool holder = false;    ///< RDY < channels: it holds one of the RDY slots
  int held_ticks = 0;     ///< rotation ticks it held its slot
  bool delivered = false; ///< delivered since the last tick
  /// Delivered lately or holds messages in flight: shares the RDY (R >= k);
  /// an idle channel keeps one slot to show a backlog with.
  bool active = true;
  int idle_ticks = 0; ///< ticks in a row with nothing delivered, nothing in flight
  /// FIN IDs of the current batch it owns (the local channel's are in
  /// session_state::pending_fins, the single-channel path).
  std::vector<message_id> fins;
};

/// A change of one channel's RDY share for the session to send.
struct rdy_change {
  caf::actor handle;
  int64_t count = 0;
  bool lowering = false; ///< to be confirmed (request), see attached_channel::cap
};

class session_channels {
public:
  /// A slot passes on after this many rotation ticks even if its channel
  /// is busy, so no channel starves while RDY < channels.
  static constexpr int busy_tenure = 8;
  /// Ticks without a delivery after which a channel counts as idle.
  static constexpr int idle_after_ticks = 2;
  /// Bound of the IDs kept from detached channels (orphaned()).
  static constexpr size_t max_orphans = 65536;

  /// Adds a channel (the first one is the local channel); false if known.
  bool attach(caf::actor handle, std::string member);
  /// Removes a channel and forgets its in-flight IDs; false if unknown.
  bool detach(const caf::actor_addr& who);
  /// Forgets every channel (the session leaves).
  void clear();

  size_t size() const { return chans_.size(); }
  bool empty() const { return chans_.empty(); }
  /// More than one channel: IDs are mapped, RDY is split.
  bool multi() const { return chans_.size() > 1; }
  const caf::actor& local() const { return chans_.front().handle; }
  bool is_local(const caf::actor_addr& who) const;
  attached_channel* find(const caf::actor_addr& who);
  std::vector<attached_channel>& all() { return chans_; }
  const std::vector<attached_channel>& all() const { return chans_; }

  // -- RDY ------------------------------------------------------------------

  /// The client's RDY count.
  void set_ready(int64_t count) { ready_ = count; }
  int64_t ready() const { return ready_; }
  /// Computes every channel's target share and returns the changes to send:
  /// lowerings first, then raises as far as the in-flight invariant allows
  /// (sum of max(cap, in_flight) never above RDY). `resend`: also the
  /// unchanged shares (the client sent RDY or CLS, as the channel saw before).
  std::vector<rdy_change> rebalance(bool resend = false);
  /// `who` processed a lowering sent before.
  void confirmed(const caf::actor_addr& who);
  /// The last rebalance gave some channel less than its target (waiting for
  /// in-flight messages to be acknowledged or a lowering to be confirmed).
  bool held_back() const { return held_back_; }
  /// RDY slots rotate among channels (0 < RDY < channels).
  bool rotates() const;
  /// Several channels and RDY > 0: the session ticks (rotation, activity).
  bool ticks() const { return multi() && ready_ > 0; }
  /// A tick period passed: channels idle idle_after_ticks ticks give their
  /// share up but one; idle slot holders (nothing delivered, nothing in
  /// flight) and ones that held their slot busy_tenure ticks pass it on.
  void tick();
  /// An idle channel delivered since the last call: its share should grow.
  bool take_woken() { return std::exchange(woken_, false); }

  // -- routing (multi only) ---------------------------------------------------

  /// `c` delivered `id`: false if another channel has that ID in flight (the
  /// session requeues it to `c` and does not deliver it).
  bool delivered(attached_channel& c, const message_id& id);
  /// Prefetches the ID map's entry of `id` (several channels attached).
  void prefetch(const message_id& id) const {
    if (multi())
      owners_.prefetch(id);
  }
  /// The channel that owns `id`, or the local one (which answers nsqd's
  /// error for an ID not in flight); `done` (FIN, REQ) forgets the ID.
  attached_channel& route(const message_id& id, bool done);
  /// `c` timed out (or dropped) these in-flight messages.
  void released(attached_channel& c, const std::vector<message_id>& ids);
  size_t mapped() const { return owners_.size(); }
  /// `id` was in flight from a channel that detached (its member died or
  /// the channel was deleted there): the client's FIN/REQ/TOUCH of it has no
  /// owner to reach and is dropped without an error (the message comes back
  /// on its node). `done` (FIN, REQ) forgets it.
  bool orphaned(const message_id& id, bool done) {
    // Every FIN asks: no hashing while nothing was orphaned.
    return !orphans_.empty() && orphaned_slow(id, done);
  }

private:
  bool orphaned_slow(const message_id& id, bool done);
  attached_channel* by_serial(uint64_t serial);
  void choose_holders();
  std::vector<int64_t> targets() const;

  std::vector<attached_channel> chans_;
  /// In-flight ID → serial of the channel that delivered it: one insert and
  /// one erase per delivered message.
  message_id_table owners_;
  /// Nodes of the orphan set, reused instead of going back to malloc.
  lazy_pool_resource id_nodes_;
  /// IDs in flight from detached channels (bounded: see detach()).
  std::pmr::unordered_set<message_id, message_id_hash, message_id_equal> orphans_{
      &id_nodes_};
  int64_t ready_ = 0;
  bool held_back_ = false;
  bool woken_ = false;
  uint64_t next_serial_ = 0;
  size_t next_holder_ = 0; ///< round-robin cursor for RDY slots
};

} // namespace nsq
