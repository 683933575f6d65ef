// The topic's lifecycle: persisted at shutdown, purged when deleted.

#include "actors/lookupd_messages.hpp"
#include "actors/lookupd_notify.hpp"
#include "actors/topic_internal.hpp"

#include <caf/all.hpp>

#include <string>
#include <utility>
#include <vector>

namespace nsq {

/// Shutdown (§15.8): channels persist their own messages; the topic writes
/// its memory queue behind its disk queue, closes it, then quits.
void on_exit(topic_actor* self, const caf::exit_msg& em) {
  auto& st = self->state;
  if (st.exiting)
    return; // already persisting
  st.exiting = true;
  for (auto& [name, ch] : st.channels)
    self->send_exit(ch.handle, em.reason);
  if (!st.disk.enabled()) {
    self->quit(em.reason);
    return;
  }
  std::vector<std::string> payloads;
  payloads.reserve(st.held.size());
  st.held.for_each([&payloads](const held_record& r) {
    payloads.push_back(
        record_of(message_data{r.id, r.timestamp, std::string{r.body}}, r.defer));
  });
  st.held.clear();
  auto reason = em.reason;
  // Every batch forwarded so far reaches its channel before the exit sent
  // above (one sender, in order: CAF sends an exit as an ordinary message),
  // and the channel's shutdown stores it, in memory or not yet reported
  // drained: the records it came from go, or they would come back twice.
  for (auto seq : st.handoff.settle(0))
    st.disk.confirm(seq);
  st.disk.shutdown(self, std::move(payloads), [self, reason] { self->quit(reason); });
}

/// Deleted (§11.5): channels purge themselves, the disk queue is removed.
void purge(topic_actor* self) {
  auto& st = self->state;
  st.exiting = true;
  for (auto& [name, ch] : st.channels) {
    // nsqd: each deleted channel unregisters, after the topic (broker) did.
    notify_lookupd(self, lookup_op::unregister, st.topic_name, name);
    self->send(ch.handle, purge_atom::value);
  }
  st.held.clear();
  st.disk.remove(self);
  self->quit(caf::exit_reason::user_shutdown);
}

} // namespace nsq
