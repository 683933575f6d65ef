// The channel's answers to its consumers: SUB, RDY, FIN, REQ, TOUCH, write
// credit, and a consumer leaving.

#include "actors/channel_internal.hpp"
#include "actors/flow_control.hpp"
#include "protocol/errors.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace nsq {

namespace {

/// Returns the in-flight entry `id` if the sender owns it; otherwise tells
/// the sender why not (`<verb> <id> failed ...`, non-fatal) and returns null.
const in_flight_set::entry* owned_by_sender(channel_actor* self, const message_id& id,
                                            const char* verb, const char* code) {
  auto sender = sender_of(self);
  auto* e = self->state.in_flight.find(id);
  if (e != nullptr && e->owner == sender)
    return e;
  auto why = e == nullptr ? "ID not in flight" : "client does not own message";
  auto err =
      non_fatal_error(code, std::string{verb} + " " + to_string(id) + " failed " + why);
  if (auto to = caf::actor_cast<caf::actor>(sender))
    self->send(to, op_failed_atom::value, std::move(err));
  return nullptr;
}

/// Records a FIN's end-to-end latency (now − publish time, §15.10).
void sample_latency(channel_state& st, const in_flight_set::entry& e) {
  if (st.cfg->e2e_processing_latency_percentiles.empty())
    return;
  auto now = wall_ns();
  st.e2e.add(now, static_cast<double>(now - data_of(e.msg.msg).timestamp));
}

} // namespace

/// Removes consumer `who` and requeues its in-flight messages at once.
void remove_consumer(channel_actor* self, const caf::actor_addr& who) {
  auto& st = self->state;
  auto it = st.consumers.find(who);
  if (it == st.consumers.end())
    return;
  self->demonitor(it->second.handle);
  st.consumers.erase(it);
  // nsqd leaves a gone client's messages in flight until they time out, so
  // its /stats count them in timeout_count; we requeue at once, same count.
  for (auto& e : st.in_flight.take_owned_by(who)) {
    ++st.timeout_count;
    accept(st, std::move(e.msg));
  }
  if (st.ephemeral && st.consumers.empty()) {
    self->quit(); // last consumer of an ephemeral channel left (§11.4)
    return;
  }
  after_change(self);
}

std::string subscribe(channel_actor* self, consumer_info& info) {
  auto& st = self->state;
  auto who = sender_of(self);
  auto handle = caf::actor_cast<caf::actor>(who);
  if (!handle)
    return "exiting";
  if (auto it = st.consumers.find(who); it != st.consumers.end()) {
    it->second.info = std::move(info);
    return {};
  }
  auto limit = st.cfg->max_channel_consumers;
  if (limit > 0 && static_cast<int64_t>(st.consumers.size()) >= limit)
    return "consumers for " + st.topic_name + ":" + st.channel_name +
           " exceeds limit of " + std::to_string(limit);
  self->monitor(handle);
  auto& c = st.consumers.emplace(who, consumer{handle, std::move(info)}).first->second;
  c.credit = write_window; // its session starts with an empty socket
  st.had_consumer = true;
  return {};
}

/// Returns the wall clock in Unix nanoseconds (message timestamps use it).
int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void finish(channel_actor* self, const std::vector<message_id>& ids) {
  auto& st = self->state;
  for (bool deep : {false, true})
    for (auto& id : ids)
      st.in_flight.prefetch(id, deep);
  for (auto& id : ids) {
    auto* e = owned_by_sender(self, id, "FIN", codes::fin_failed);
    if (e == nullptr)
      continue;
    if (auto* c = find_consumer(st, e->owner)) {
      --c->in_flight;
      ++c->finish_count;
    }
    sample_latency(st, *e);
    st.in_flight.take(id);
    release_record(st, id);
  }
  after_change(self);
}

void requeue(channel_actor* self, const message_id& id, caf::timespan delay) {
  auto& st = self->state;
  auto* e = owned_by_sender(self, id, "REQ", codes::req_failed);
  if (e == nullptr)
    return;
  if (auto* c = find_consumer(st, e->owner)) {
    --c->in_flight;
    ++c->requeue_count;
  }
  ++st.requeue_count;
  auto msg = st.in_flight.take(id).msg; // attempts carried over (§8.4)
  if (delay > caf::timespan{0})
    st.deferred.emplace(now_of(self) + delay, std::move(msg));
  else
    accept(st, std::move(msg));
  after_change(self);
}

void touch(channel_actor* self, const message_id& id) {
  auto& st = self->state;
  auto* e = owned_by_sender(self, id, "TOUCH", codes::touch_failed);
  if (e == nullptr)
    return;
  auto* c = find_consumer(st, e->owner);
  auto timeout =
      c != nullptr ? msg_timeout_of(st, *c) : caf::timespan{st.cfg->msg_timeout};
  auto deadline = std::min(now_of(self) + timeout,
                           e->delivered_at + caf::timespan{st.cfg->max_msg_timeout});
  st.in_flight.reschedule(id, deadline);
  arm_wake(self);
}

void ready(channel_actor* self, int64_t count) {
  auto& st = self->state;
  auto it = st.consumers.find(sender_of(self));
  if (it == st.consumers.end())
    return; // not subscribed here: the session checks the state
  it->second.rdy = count;
  after_change(self);
}

/// The sender's session wrote bytes out: it may take `bytes` more.
void add_credit(channel_actor* self, int64_t bytes) {
  auto* c = find_consumer(self->state, sender_of(self));
  if (c == nullptr)
    return;
  bool was_writable = c->writable();
  c->credit += bytes;
  if (!was_writable && c->writable())
    after_change(self);
}

} // namespace nsq
