// The channel's lifecycle: emptied, persisted at shutdown, purged.

#include "actors/channel.hpp"
#include "actors/channel_internal.hpp"
#include "actors/disk_records.hpp"
#include "actors/log.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>
#include <vector>

namespace nsq {

/// Drops the memory queue, in-flight and deferred sets (§11.6); consumers stay
/// and are told their in-flight count is 0 again.
bool empty_channel(channel_actor* self) {
  auto& st = self->state;
  st.queue.clear();
  st.spill.clear();
  st.spill_origins.clear();
  st.from_disk.clear();
  st.disk.empty(self);
  for (auto& [addr, c] : st.consumers) {
    std::vector<message_id> ids;
    for (auto& e : st.in_flight.take_owned_by(addr))
      ids.push_back(data_of(e.msg.msg).id);
    if (!ids.empty())
      self->send(c.handle, released_atom::value, std::move(ids));
    c.in_flight = 0;
  }
  st.in_flight = in_flight_set{};
  st.deferred.clear();
  report_drained(self); // the topic may forward what it held for us
  after_change(self);
  return true;
}

/// Shutdown (§15.8): memory queue, in-flight (with their attempts) and
/// deferred messages (with their due time, which nsqd loses) go behind the
/// disk queue, which is then synced and closed; then the channel quits,
/// telling its topic whether all of it was stored.
void on_exit(channel_actor* self, const caf::exit_msg& em) {
  auto& st = self->state;
  if (st.exiting)
    return;
  st.exiting = true;
  if (!st.disk.enabled()) {
    self->quit(em.reason);
    return;
  }
  std::vector<std::string> payloads;
  for (auto& d : st.queue)
    payloads.push_back(encode_disk_message(d.msg, d.attempts, 0));
  for (auto& d : st.spill)
    payloads.push_back(encode_disk_message(d.msg, d.attempts, 0));
  for (auto& e : st.in_flight.take_due(time_point::max()))
    payloads.push_back(encode_disk_message(e.msg.msg, e.msg.attempts, 0));
  auto now = now_of(self);
  auto wall = record_clock_ns();
  for (auto& [due, d] : st.deferred) {
    auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(due - now).count();
    payloads.push_back(
        encode_disk_message(d.msg, d.attempts, wall + std::max<int64_t>(left, 1)));
  }
  st.queue.clear();
  st.spill.clear();
  st.spill_origins.clear();
  st.deferred.clear();
  auto reason = em.reason;
  st.disk.shutdown(self, std::move(payloads), [self, reason] {
    auto& st = self->state;
    if (st.disk.stored_at_end()) {
      self->quit(reason);
      return;
    }
    // The topic then keeps the records of the batches it forwarded to us.
    log_error("CHANNEL(" + st.topic_name + ":" + st.channel_name +
              "): shutdown write failed, messages not stored");
    self->quit(channel_exit::unstored);
  });
}

/// Deleted (§11.5): everything dropped, the disk queue removed, clients
/// closed (they watch the channel).
void purge(channel_actor* self) {
  auto& st = self->state;
  st.exiting = true;
  st.queue.clear();
  st.spill.clear();
  st.spill_origins.clear();
  st.deferred.clear();
  st.disk.remove(self);
  self->quit(caf::exit_reason::user_shutdown);
}

} // namespace nsq
