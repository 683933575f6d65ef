// The channel's delivery: memory queue to consumers within their RDY and
// write credit, flow control towards the topic, in-flight and deferred
// deadlines.

#include "actors/channel_internal.hpp"
#include "actors/delivery_batch.hpp"
#include "actors/flow_control.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <utility>
#include <vector>

namespace nsq {

namespace {

/// Returns whether sample_rate discards the next message for `c` (§8.8).
bool sampled_out(channel_state& st, const consumer& c) {
  if (c.info.sample_rate <= 0)
    return false;
  std::uniform_int_distribution<int64_t> draw{0, 99};
  return draw(st.rng) > c.info.sample_rate;
}

/// Starts loading what the delivery loop reads a few messages from now: the
/// message `far` places ahead, and the in-flight table cell of the one
/// `near` ahead (its ID was prefetched as the far one). Each message and
/// cell was a cache miss of its own, one after the other.
void prefetch_queue(const channel_state& st) {
  constexpr size_t near = 4;
  constexpr size_t far = 8;
  if (st.queue.size() > far)
    __builtin_prefetch(&data_of(st.queue[far].msg));
  if (st.queue.size() > near)
    st.in_flight.prefetch(data_of(st.queue[near].msg).id, false);
}

/// Hands `c` up to its free RDY from the memory queue, in one message.
void serve(channel_actor* self, const caf::actor_addr& key, consumer& c, time_point now) {
  auto& st = self->state;
  std::vector<delivery> batch;
  // Write backpressure: only as far as its byte credit goes. The last message
  // may overshoot it, so one larger than the whole window still goes.
  if (!c.writable())
    return;
  while (c.ready() && !st.queue.empty()) {
    prefetch_queue(st);
    delivery d = std::move(st.queue.front());
    st.queue.pop_front();
    if (sampled_out(st, c)) {
      release_record(st, data_of(d.msg).id);
      continue; // gone for this channel, not counted as sent
    }
    if (auto* held = st.in_flight.find(data_of(d.msg).id)) {
      // An ID is in flight once per channel (FIN/REQ/TOUCH name it). nsqd
      // drops the duplicate silently; we defer it to the in-flight copy's
      // deadline (by then finished or timed out) and deliver it then: a copy
      // replayed from disk, or another message given the same ID, is never
      // lost (docs/architecture.md, "Where we differ from nsqd").
      st.deferred.emplace(held->deadline, std::move(d));
      continue; // after_change re-arms the wake
    }
    d.attempts = static_cast<uint16_t>(d.attempts + 1);
    auto deadline = now + msg_timeout_of(st, c);
    st.in_flight.insert(data_of(d.msg).id, {d, key, now, deadline});
    ++c.in_flight;
    ++c.message_count;
    c.credit -= delivery_cost(data_of(d.msg));
    batch.push_back(std::move(d));
    if (!c.writable())
      break;
  }
  if (!batch.empty())
    self->send(c.handle, deliver_atom::value, delivery_batch{std::move(batch)});
}

/// Serves every ready consumer once, starting one further each round (fairness).
void dispatch(channel_actor* self) {
  auto& st = self->state;
  if (st.paused || st.queue.empty() || st.consumers.empty())
    return;
  auto now = now_of(self);
  auto start = st.consumers.upper_bound(st.last_first);
  if (start == st.consumers.end())
    start = st.consumers.begin();
  st.last_first = start->first;
  auto it = start;
  do {
    serve(self, it->first, it->second, now);
    if (++it == st.consumers.end())
      it = st.consumers.begin();
  } while (it != start && !st.queue.empty());
  report_drained(self);
}

/// An ephemeral channel keeps at most mem_queue_size messages; the rest is
/// dropped silently (§11.4).
void trim_ephemeral(channel_state& st) {
  if (!st.ephemeral)
    return;
  auto cap = static_cast<size_t>(std::max<int64_t>(st.cfg->mem_queue_size, 0));
  while (st.queue.size() > cap)
    st.queue.pop_back();
}

/// Moves expired in-flight messages and due deferred ones to the memory queue.
void process_due(channel_actor* self) {
  auto& st = self->state;
  auto now = now_of(self);
  std::map<caf::actor_addr, std::vector<message_id>> released;
  for (auto& e : st.in_flight.take_due(now)) {
    ++st.timeout_count;
    if (auto* c = find_consumer(st, e.owner)) {
      --c->in_flight;
      released[e.owner].push_back(data_of(e.msg.msg).id);
    }
    accept(st, std::move(e.msg));
  }
  // The session counts in-flight for /stats and maps IDs to their channel.
  for (auto& [owner, ids] : released)
    self->send(st.consumers[owner].handle, released_atom::value, std::move(ids));
  while (!st.deferred.empty() && st.deferred.begin()->first <= now) {
    accept(st, std::move(st.deferred.begin()->second));
    st.deferred.erase(st.deferred.begin());
  }
}

} // namespace

time_point now_of(channel_actor* self) {
  return self->clock().now();
}

caf::actor_addr sender_of(channel_actor* self) {
  return caf::actor_cast<caf::actor_addr>(self->current_sender());
}

/// Returns the consumer `who`, or nullptr.
consumer* find_consumer(channel_state& st, const caf::actor_addr& who) {
  auto it = st.consumers.find(who);
  return it == st.consumers.end() ? nullptr : &it->second;
}

/// Returns the in-flight timeout of `c`: its IDENTIFY value, else the flag.
caf::timespan msg_timeout_of(const channel_state& st, const consumer& c) {
  if (c.info.msg_timeout_ms > 0)
    return std::chrono::milliseconds{c.info.msg_timeout_ms};
  return st.cfg->msg_timeout;
}

/// The channel no longer needs message `id`'s disk record (finished, dropped
/// or stored again): confirmed to the worker with the handler's others.
void release_record(channel_state& st, const message_id& id) {
  if (auto seq = st.from_disk.take(id))
    st.disk.confirm(*seq);
}

/// Tells the topic how many of its messages left the memory queue. Messages
/// that re-entered the queue (requeues, timeouts) are assumed to leave last,
/// so the topic never gets more credit than it is owed.
void report_drained(channel_actor* self) {
  auto& st = self->state;
  if (st.ephemeral)
    return;
  // With a disk queue the channel takes everything (memory while it has
  // room, else disk), so only messages bound for disk and not yet confirmed
  // still count, and those a failed write left in memory (the newest: once
  // the queue is shorter, some of them left); without one, the memory queue.
  st.unstored = std::min<uint64_t>(st.unstored, st.queue.size());
  uint64_t held = st.disk.enabled() ? st.spill.size() + st.disk.writing() + st.unstored
                                    : st.queue.size();
  uint64_t still = std::min<uint64_t>(st.topic_credit, held);
  uint64_t freed = st.topic_credit - still;
  if (freed == 0)
    return;
  st.topic_credit = still;
  self->send(st.topic, drained_atom::value, freed);
}

/// nsqd's channel.put (§15.2): memory while it has room and nothing older
/// waits on disk (order), else the disk queue. Memory-only channels (and
/// ephemeral ones, trimmed later) always take it into memory.
void accept(channel_state& st, delivery d) {
  if (st.disk.enabled() &&
      (st.disk.backlog() || !st.spill.empty() || st.queue.size() >= mem_cap_of(st)))
    st.spill.push_back(std::move(d));
  else
    st.queue.push_back(std::move(d));
}

/// Keeps exactly one wake on its way for the earliest deadline.
void arm_wake(channel_actor* self) {
  auto& st = self->state;
  std::optional<time_point> next = st.in_flight.earliest();
  if (!st.deferred.empty() && (!next || st.deferred.begin()->first < *next))
    next = st.deferred.begin()->first;
  if (!next || (st.wake_at && *st.wake_at <= *next))
    return; // nothing due, or the pending wake comes early enough
  st.wake_at = *next;
  auto gen = ++st.wake_gen;
  auto now = now_of(self);
  if (*next <= now)
    self->send(self, wake_atom::value, gen);
  else
    self->delayed_send(self, *next - now, wake_atom::value, gen);
}

/// Delivers what can be delivered, then re-arms the wake.
void after_change(channel_actor* self) {
  if (self->state.exiting)
    return;
  dispatch(self);
  trim_ephemeral(self->state);
  if (flush_spill(self))
    dispatch(self); // the overflow joined the memory queue
  if (self->state.disk.enabled())
    report_drained(self);
  refill(self);
  report_wants(self);
  self->state.disk.flush_confirms(self);
  if (self->state.queue.empty())
    self->state.disk.retire_if_idle(self);
  arm_wake(self);
}

void enqueue(channel_actor* self, const std::vector<message_ref>& batch,
             caf::timespan defer, const std::vector<uint64_t>& origins) {
  auto& st = self->state;
  st.message_count += batch.size();
  if (defer > caf::timespan{0}) {
    auto due = now_of(self) + defer;
    for (auto& m : batch)
      st.deferred.emplace(due, delivery{m, 0});
  } else {
    for (size_t i = 0; i < batch.size(); ++i)
      spill_from_topic(st, delivery{batch[i], 0},
                       2 * i + 1 < origins.size() ? &origins[2 * i] : nullptr);
    if (!st.ephemeral)
      st.topic_credit += batch.size();
  }
  after_change(self);
}

void wake(channel_actor* self, uint64_t gen) {
  auto& st = self->state;
  if (gen != st.wake_gen)
    return; // stale: a later wake replaced it
  st.wake_at.reset();
  process_due(self);
  after_change(self);
}

} // namespace nsq
