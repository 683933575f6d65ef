// The topic's delivery: publishes, and messages forwarded to every channel
// as far as each has room (flow control by the channels' drained).

#include "actors/topic_internal.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <chrono>
#include <limits>
#include <utility>
#include <vector>

namespace nsq {

namespace {

/// Returns the bound of every memory queue (at least 1: without the disk
/// queue a bound of 0 would refuse every message).
uint64_t capacity_of(const topic_state& st) {
  // With a disk queue and no memory queue, what a channel holds on credit is
  // only on its way to the channel's disk (the topic keeps its records until
  // then, and acknowledges nothing from memory): a window of one read batch
  // lets the hand-off share fsyncs instead of waiting for one per message.
  if (st.disk.enabled() && st.cfg->mem_queue_size <= 0)
    return 64;
  return static_cast<uint64_t>(std::max<int64_t>(st.cfg->mem_queue_size, 1));
}

/// Forwards held messages, oldest first, as far as the channels have room.
void flush_held(topic_actor* self) {
  auto& st = self->state;
  while (!holding(st) && !st.held.empty() && !st.channels.empty()) {
    auto defer = st.held.front_defer();
    bool counted = defer <= caf::timespan{0};
    auto limit = counted ? room_of(st) : std::numeric_limits<uint64_t>::max();
    std::vector<message_ref> batch;
    while (!st.held.empty() && st.held.front_defer() == defer && batch.size() < limit)
      batch.push_back(st.held.pop_front()); // built only now, as it leaves
    if (batch.empty())
      return; // a channel is full: wait for its drained
    std::vector<uint64_t> origins;
    auto seqs = st.handoff.leave_held(batch.size(), origins);
    if (counted)
      st.handoff.await(seqs); // released once every channel took its copy
    else
      for (auto seq : seqs) // deferred: lives in the channels' memory, as in nsqd
        st.disk.confirm(seq);
    fan_out(self, std::move(batch), defer, std::move(origins));
  }
}

} // namespace

/// Returns how many more undeferred messages every waited-for channel can take.
uint64_t room_of(const topic_state& st) {
  auto room = std::numeric_limits<uint64_t>::max();
  auto cap = capacity_of(st);
  for (auto& [name, ch] : st.channels)
    if (!ch.ephemeral)
      room = std::min(room, ch.queued < cap ? cap - ch.queued : 0);
  return room;
}

/// Copies `batch` to every channel as one shared message (no body copies);
/// `origins` are the disk positions of its leading records (hand-off marks).
void fan_out(topic_actor* self, std::vector<message_ref> batch, caf::timespan defer,
             std::vector<uint64_t> origins) {
  auto n = batch.size();
  bool counted =
      defer <= caf::timespan{0}; // deferred messages leave no memory-queue trace
  if (counted)
    self->state.handoff.count(n);
  auto msg = origins.empty()
                 ? caf::make_message(enqueue_atom::value, std::move(batch), defer)
                 : caf::make_message(enqueue_atom::value, std::move(batch), defer,
                                     std::move(origins));
  for (auto& [name, ch] : self->state.channels) {
    if (counted && !ch.ephemeral)
      ch.queued += n;
    self->send(ch.handle, msg);
  }
}

/// Moves messages along: memory to channels, disk to memory; retires an
/// idle disk worker.
void pump(topic_actor* self) {
  auto& st = self->state;
  if (st.exiting)
    return;
  flush_held(self);
  release_taken(self);
  refill(self);
  st.disk.retire_if_idle(self);
}

/// Returns the wall clock in Unix nanoseconds: a published message's timestamp.
int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string publish(topic_actor* self, body_batch& bodies, caf::timespan defer,
                    bool credited) {
  auto& st = self->state;
  auto n = bodies.size();
  auto cap = capacity_of(st);
  size_t direct = 0; // messages that go to the channels right away
  if (!holding(st) && !st.channels.empty() && st.held.empty())
    direct = defer > caf::timespan{0}
                 ? n
                 : static_cast<size_t>(std::min<uint64_t>(n, room_of(st)));
  // An ephemeral topic drops its overflow like nsqd; others refuse (no disk
  // queue), keeping the room promised to publishers with credit.
  if (!credited && !st.ephemeral &&
      st.held.size() + st.credit.reserved() + (n - direct) > cap)
    return "queue full";
  // Each message gets its ID in publish order; only those for the channels
  // become message_refs, the rest are packed into the memory queue.
  auto now = now_ns();
  std::vector<message_ref> refs;
  refs.reserve(direct);
  st.message_count += n;
  for (size_t i = 0; i < n; ++i) {
    auto body = bodies[i];
    st.message_bytes += body.size();
    auto id = st.ids.next(now);
    if (i < direct)
      refs.emplace_back(id, now, body);
    else if (credited || st.held.size() < cap)
      st.held.push(id, now, body, defer);
    // else: an ephemeral topic drops its newest overflow (nsqd)
  }
  if (direct > 0)
    fan_out(self, std::move(refs), defer);
  return {};
}

caf::result<std::string> publish_any(topic_actor* self, body_batch& bodies,
                                     caf::timespan defer, bool credited) {
  if (self->state.disk.enabled())
    return publish_durable(self, bodies, defer, credited);
  return publish(self, bodies, defer, credited);
}

void channel_wants(topic_actor* self, bool wants) {
  auto sender = self->current_sender();
  for (auto& [name, ch] : self->state.channels)
    if (ch.handle.address() == sender)
      ch.wants = wants;
  pump(self);
}

void drained(topic_actor* self, uint64_t n) {
  auto sender = self->current_sender();
  for (auto& [name, ch] : self->state.channels)
    if (ch.handle.address() == sender)
      ch.queued -= std::min(ch.queued, n);
  pump(self);
}

} // namespace nsq
