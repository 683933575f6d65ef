// The topic's side of publish credit (actors/publish_credit.hpp): grants
// publishing sessions room in its memory queue in advance, accepts what they
// send on it without a reply, and, at shutdown, waits until every session
// gave its credit back so nothing sent on credit is left in the mailbox.

#include "actors/log.hpp"
#include "actors/topic_internal.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <utility>

namespace nsq {

namespace {

/// Returns the memory queue's bound for credit: none for ephemeral topics
/// (they drop overflow and may quit under a publisher) and none when every
/// PUB must wait for the disk (--mem-queue-size=0, --sync-every=1).
uint64_t credit_capacity(const topic_state& st) {
  if (st.ephemeral)
    return 0;
  auto cap =
      st.disk.enabled() ? st.cfg->disk_backed_mem_queue_size() : st.cfg->mem_queue_size;
  return static_cast<uint64_t>(std::max<int64_t>(cap, 0));
}

/// Tops up the sender's credit if it used half of it and memory has room.
void grant(topic_actor* self) {
  auto& st = self->state;
  auto sender = self->current_sender();
  if (!sender)
    return;
  auto addr = caf::actor_cast<caf::actor_addr>(sender);
  bool known = st.credit.knows(addr);
  auto n = st.credit.top_up(addr, credit_window(credit_capacity(st)), credit_room(st));
  if (n == 0)
    return;
  auto who = caf::actor_cast<caf::actor>(sender);
  if (!known)
    self->monitor(who); // its credit returns to the pool when it ends
  self->send(who, pub_grant_atom::value, n);
}

/// The held exit proceeds once no session holds credit.
void maybe_exit(topic_actor* self) {
  auto& st = self->state;
  if (!st.exit_held || !st.credit.empty())
    return;
  st.exit_held = false;
  on_exit(self, caf::exit_msg{caf::actor_addr{}, st.exit_reason});
}

} // namespace

uint64_t credit_room(const topic_state& st) {
  if (st.exiting || st.exit_held)
    return 0;
  auto cap = credit_capacity(st);
  // At most half the queue is promised: sessions that published once and
  // went quiet must not push everyone else's PUBs to the disk.
  auto reserved = st.credit.reserved();
  auto promised = st.held.size() + reserved;
  if (promised >= cap || reserved >= cap / 2)
    return 0;
  return std::min(cap - promised, cap / 2 - reserved);
}

caf::result<std::string> publish_for_session(topic_actor* self, body_batch& bodies,
                                             caf::timespan defer) {
  auto result = publish_any(self, bodies, defer);
  grant(self); // sent before the reply: the session's next PUB can use it
  return result;
}

void publish_credited(topic_actor* self, body_batch& bodies, caf::timespan defer) {
  auto& st = self->state;
  auto sender = caf::actor_cast<caf::actor_addr>(self->current_sender());
  st.credit.consume(sender, bodies.size());
  publish_any(self, bodies, defer, true);
  grant(self);
}

void publisher_returned(topic_actor* self) {
  auto& st = self->state;
  auto sender = caf::actor_cast<caf::actor_addr>(self->current_sender());
  if (!st.credit.drop(sender))
    return;
  self->demonitor(sender);
  maybe_exit(self);
}

bool on_publisher_down(topic_actor* self, const caf::down_msg& dm) {
  if (!self->state.credit.drop(dm.source))
    return false;
  maybe_exit(self);
  return true;
}

bool hold_exit(topic_actor* self, const caf::exit_msg& em) {
  auto& st = self->state;
  if (st.exit_held)
    return true; // already waiting for the credit to come back
  // Without a disk queue nothing outlives the exit anyway.
  if (st.exiting || !st.disk.enabled() || st.credit.empty())
    return false;
  st.exit_held = true;
  st.exit_reason = em.reason;
  for (auto& who : st.credit.publishers())
    self->send(caf::actor_cast<caf::actor>(who), pub_revoke_atom::value);
  return true;
}

} // namespace nsq
