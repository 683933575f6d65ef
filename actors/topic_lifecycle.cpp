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
  // Records forwarded but not yet taken may still sit in a channel's mailbox,
  // which exits before reading it: keep them on disk (duplicates, not loss).
  release_taken(self);
  bool keep_read = st.handoff.awaiting();
  st.disk.shutdown(
      self, std::move(payloads), [self, reason] { self->quit(reason); }, keep_read);
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
