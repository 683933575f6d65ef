// The topic's lifecycle: persisted at shutdown, purged when deleted.

#include "actors/log.hpp"
#include "actors/lookupd_messages.hpp"
#include "actors/lookupd_notify.hpp"
#include "actors/topic_internal.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace nsq {

namespace {

/// Writes the memory queue behind the disk queue, closes it, then quits.
/// Every batch forwarded so far reached its channel before the exit the topic
/// sent it (one sender, in order: CAF sends an exit as an ordinary message),
/// and the channel's shutdown stored it, in memory or not yet reported
/// drained: the records it came from go, or they would come back twice.
/// Unless a channel did not store them (its shutdown write failed, or it was
/// killed): then they stay, and so do the records the topic read and still
/// holds (not written again): delivered again after the restart
/// (duplicates, not loss).
void persist(topic_actor* self) {
  auto& st = self->state;
  bool keep = st.keep_forwarded;
  // Disk records are the held queue's oldest (handoff_tracker).
  size_t skip = keep ? std::min(st.handoff.held_records(), st.held.size()) : 0;
  std::vector<std::string> payloads;
  payloads.reserve(st.held.size() - skip);
  st.held.for_each([&payloads, &skip](const held_record& r) {
    if (skip > 0) {
      --skip;
      return;
    }
    payloads.push_back(record_of(message_view{r.id, r.timestamp, 0, r.body}, r.defer));
  });
  st.held.clear();
  if (keep)
    log_error("TOPIC(" + st.topic_name +
              "): a channel did not store its messages at exit, keeping the records "
              "handed to channels (delivered again after the restart)");
  else
    for (auto seq : st.handoff.settle(0))
      st.disk.confirm(seq);
  auto reason = st.exit_reason;
  st.disk.shutdown(
      self, std::move(payloads), [self, reason] { self->quit(reason); }, keep);
}

} // namespace

/// Shutdown (§15.8): each channel persists its own messages; once all have
/// ended, the topic writes its memory queue behind its disk queue, closes
/// it, then quits.
void on_exit(topic_actor* self, const caf::exit_msg& em) {
  auto& st = self->state;
  if (st.exiting)
    return; // already persisting
  st.exiting = true;
  st.exit_reason = em.reason;
  for (auto& [name, ch] : st.channels)
    self->send_exit(ch.handle, em.reason);
  if (!st.disk.enabled()) {
    self->quit(em.reason);
    return;
  }
  persist_when_channels_ended(self);
}

bool stored_at_exit(const topic_state& st, const channel_slot& ch,
                    const caf::error& reason) {
  // An ephemeral channel keeps nothing. A durable one quits as told
  // (user_shutdown if created during the shutdown) once its shutdown write
  // is answered; else that write failed (channel_exit::unstored), or it
  // was killed or crashed.
  return ch.ephemeral || reason == st.exit_reason ||
         reason == caf::exit_reason::user_shutdown;
}

void persist_when_channels_ended(topic_actor* self) {
  auto& st = self->state;
  if (!st.exiting || st.persisting || !st.channels.empty())
    return;
  st.persisting = true;
  persist(self);
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
