#include "actors/delivery_batch.hpp"
#include "actors/flow_control.hpp"
#include "actors/log.hpp"
#include "actors/session_state.hpp"
#include "protocol/message_frames.hpp"

#include <caf/event_based_actor.hpp>

#include <chrono>

namespace nsq {

void flush(session_actor* self) {
  auto& st = self->state;
  if (st.out.empty())
    return;
  count_written_to_conn(st, st.out.size());
  st.out.drain([&](std::string bytes) { st.conn->write(std::move(bytes)); });
}

void flush_soon(session_actor* self) {
  auto& st = self->state;
  if (st.out.size() >= static_cast<size_t>(st.client.output_buffer_size)) {
    flush(self);
    return;
  }
  if (st.out.empty() || st.flush_scheduled)
    return;
  // Nothing else waiting: nothing could join this write, so send it now
  // (one mailbox hop less per PUB round trip and per idle delivery).
  if (!st.running_commands && self->mailbox().empty()) {
    flush(self);
    return;
  }
  // A self-sent flush runs after everything already in the mailbox: frames
  // produced meanwhile leave in the same write.
  st.flush_scheduled = true;
  self->send(self, flush_atom::value);
}

void respond(session_actor* self, std::string_view data) {
  if (self->state.dead)
    return;
  self->state.out.append_frame(frame_type::response, data);
  flush_soon(self);
}

void answer_error(session_actor* self, const client_error& err) {
  auto& st = self->state;
  if (st.dead)
    return;
  st.out.append_frame(frame_type::error, err.wire());
  if (!err.fatal) {
    flush_soon(self);
    return;
  }
  log_error("PROTOCOL(V2): [" + st.remote + "] - " + err.wire());
  flush(self);
  st.conn->close();
  send_pending_fins(self); // FINs before the error were processed, as in nsqd
  st.dead = true;
}

namespace {

/// A delivery whose ID another channel has in flight goes back to its
/// channel after this: at once, it would come straight back while the first
/// copy is still in flight (a requeue ping-pong between session and channel).
constexpr auto duplicate_requeue_delay = std::chrono::seconds(1);

/// Several channels: maps `id` to its channel `c` (true: deliver it). An ID
/// another channel has in flight goes back to `c`, deferred (IDs of different
/// nodes can collide): the client never sees two messages with one ID.
bool admit(session_actor* self, attached_channel& c, const message_id& id) {
  auto& st = self->state;
  if (st.channels.delivered(c, id))
    return true;
  log_warn("PROTOCOL(V2): [" + st.remote + "] message ID " + to_string(id) +
           " already in flight from another channel, requeued (1s) to " +
           (c.member.empty() ? "the local channel" : c.member));
  self->send(c.handle, requeue_atom::value, id, caf::timespan{duplicate_requeue_delay});
  return false;
}

void count_delivered(session_state& st, int64_t n) {
  st.counters.message_count += n;
  st.counters.in_flight += n;
}

void deliver_mapped(session_actor* self, attached_channel& c,
                    const std::vector<delivery>& batch) {
  auto& st = self->state;
  int64_t n = 0;
  for (const auto& d : batch) {
    const auto& msg = data_of(d.msg);
    c.charged += delivery_cost(msg);
    if (!admit(self, c, msg.id))
      continue;
    st.out.append_message(msg, d.attempts);
    ++n;
  }
  count_delivered(st, n);
}

/// Frames from a channel on another node, IDs indexed on arrival: passed to
/// the connection whole (not copied) unless admit() sends some back; then
/// the others are copied, frame by frame.
void deliver_frames(session_actor* self, attached_channel& c, delivery_batch& batch) {
  auto& st = self->state;
  const auto& ids = batch.frame_ids();
  for (const auto& id : ids)
    st.channels.prefetch(id);
  c.charged += static_cast<int64_t>(batch.frames().size()); // delivery_cost
  std::vector<size_t> refused;                              // indexes, ascending
  for (size_t i = 0; i < ids.size(); ++i)
    if (!admit(self, c, ids[i]))
      refused.push_back(i);
  count_delivered(st, static_cast<int64_t>(ids.size() - refused.size()));
  if (refused.empty()) {
    st.out.append_whole(batch.release_frames());
    return;
  }
  std::string_view frames = batch.frames();
  size_t index = 0;
  size_t next_refused = 0;
  for_each_message_frame(frames, [&](std::string_view frame) {
    bool keep = next_refused == refused.size() || refused[next_refused] != index;
    if (keep)
      st.out.append_frames(frame);
    else
      ++next_refused;
    ++index;
  });
}

/// One channel (the fast path): no lookup, no ID map.
void deliver_single(session_actor* self, const std::vector<delivery>& batch) {
  auto& st = self->state;
  auto& c = st.channels.all().front();
  for (const auto& d : batch) {
    c.charged += delivery_cost(data_of(d.msg));
    st.out.append_message(data_of(d.msg), d.attempts);
  }
  c.in_flight += static_cast<int64_t>(batch.size());
  count_delivered(st, static_cast<int64_t>(batch.size()));
}

} // namespace

void deliver(session_actor* self, delivery_batch& batch) {
  auto& st = self->state;
  if (st.dead || st.channels.empty())
    return;
  bool remote = batch.has_frames();
  if (!st.channels.multi() && !remote) {
    deliver_single(self, batch.items);
    flush_soon(self);
    return;
  }
  auto sender = caf::actor_cast<caf::actor_addr>(self->current_sender());
  // From a channel detached meanwhile: dropped, it times them out.
  if (auto* c = st.channels.find(sender)) {
    if (remote)
      deliver_frames(self, *c, batch);
    else
      deliver_mapped(self, *c, batch.items);
  }
  if (st.channels.take_woken())
    apply_ready(self); // an idle channel has a backlog: it gets its share
  flush_soon(self);
}

} // namespace nsq
