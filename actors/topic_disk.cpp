// The topic's disk queue: what neither the channels nor the memory queue
// take is written to disk, read back as the memory queue runs dry, and
// released once every channel took its copy.

#include "actors/log.hpp"
#include "actors/topic_internal.hpp"
#include "storage/queue_record.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

namespace nsq {

namespace {

/// Returns the bound of the memory queue when a disk queue takes the rest
/// (--mem-queue-size=0: everything that cannot go to a channel at once goes
/// to disk).
uint64_t mem_cap_of(const topic_state& st) {
  return static_cast<uint64_t>(
      std::max<int64_t>(st.cfg->disk_backed_mem_queue_size(), 0));
}

/// Returns the most forwarded messages any waited-for channel has not taken yet.
uint64_t outstanding_of(const topic_state& st) {
  uint64_t most = 0;
  for (auto& [name, ch] : st.channels)
    if (!ch.ephemeral)
      most = std::max(most, ch.queued);
  return most;
}

} // namespace

/// Returns the disk record of a message the topic holds or spills (a DPUB
/// keeps its relative defer: the delay starts when it reaches a channel, §8.7).
std::string record_of(const message_view& message, caf::timespan defer) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(defer).count();
  storage::queue_record_view r;
  r.message = message;
  r.deliver_at = ns > 0 ? -ns : 0;
  std::string out;
  storage::append_queue_record(out, r);
  return out;
}

/// Confirms the disk records every channel has taken, in one message.
void release_taken(topic_actor* self) {
  auto& st = self->state;
  if (!st.disk.enabled())
    return;
  for (auto seq : st.handoff.settle(outstanding_of(st)))
    st.disk.confirm(seq);
  st.disk.flush_confirms(self);
}

namespace {

/// Appends a disk record to the held queue (a DPUB keeps its relative
/// defer); false if it does not decode. `origin`, if given, gets the
/// record's position in the topic's queue, as its I/O actor handed it out;
/// a DPUB read back is uncounted from `deferred_on_disk`.
bool hold_record(topic_state& st, std::string_view record,
                 std::optional<storage::queue_position>* origin = nullptr) {
  storage::queue_record_view m; // the held queue copies the body: no copy before
  if (!storage::view_queue_record(record, m).is_ok())
    return false;
  auto defer = m.deliver_at < 0 ? caf::timespan{-m.deliver_at} : caf::timespan{0};
  st.held.push(m.message.id, m.message.timestamp, m.message.body, defer);
  if (origin)
    *origin = m.origin;
  if (origin && defer > caf::timespan{0} && st.deferred_on_disk > 0)
    --st.deferred_on_disk;
  return true;
}

/// Whether the topic reads its disk now: a channel wants the records
/// (wants_atom), or they may hold a DPUB, whose delay starts only once it
/// reaches the channels (so it must not wait until a consumer worked
/// through the backlog ahead of it).
bool read_wanted(topic_state& st) {
  if (st.may_hold_deferred && st.disk.depth() == 0 && !st.disk.reading())
    st.may_hold_deferred = false; // ran dry: what it held at startup is read
  return st.deferred_on_disk > 0 || st.may_hold_deferred ||
         std::any_of(st.channels.begin(), st.channels.end(),
                     [](auto& ch) { return ch.second.wants; });
}

/// Reads up to n records into the held queue, behind the records read before;
/// false if the link sends no read now.
bool read_batch_from_disk(topic_actor* self, uint64_t n) {
  auto& st = self->state;
  return st.disk.read(self, n, [self](disk_record_batch& records, uint64_t first) {
    auto& st = self->state;
    for (size_t i = 0; i < records.size(); ++i) {
      std::optional<storage::queue_position> origin;
      if (!hold_record(st, records[i], &origin)) {
        log_warn("TOPIC(" + st.topic_name + "): skipped an unreadable disk record");
        st.disk.confirm(first + i);
        continue;
      }
      st.handoff.held(first + i, origin);
    }
    pump(self);
  });
}

} // namespace

/// Asks the disk for the next batches while the memory queue has room and
/// the channels can take messages (read_wanted). Read-ahead: a second read is
/// on its way while the first batch is forwarded, as long as the held queue
/// holds only disk records (they must stay its oldest: handoff_tracker) and
/// memory plus the reads outstanding stay within the memory queue's bound.
void refill(topic_actor* self) {
  auto& st = self->state;
  if (!st.disk.enabled() || holding(st) || st.channels.empty() || st.exiting ||
      !read_wanted(st))
    return;
  auto batch = std::clamp<uint64_t>(mem_cap_of(st), 64, 1024);
  auto cap = std::max<uint64_t>(mem_cap_of(st), batch);
  while (st.disk.depth() > st.disk.requested() &&
         st.disk.reads_in_flight() < disk_link::max_reads &&
         st.held.size() == st.handoff.held_records() &&
         st.held.size() + st.disk.requested() + batch <= cap)
    if (!read_batch_from_disk(self, batch))
      return; // the link sends no read now (closing)
}

namespace {

/// A batch sent on credit was acknowledged already: what its disk write
/// could not store goes into memory instead (out of order, but the credit
/// reserved that room), unless the topic is shutting down (the write was
/// handed over and completes).
void keep_unstored(topic_actor* self, const std::vector<std::string>& records,
                   uint64_t stored, const std::string& error) {
  auto& st = self->state;
  if (stored >= records.size() || st.exiting)
    return;
  log_error("TOPIC(" + st.topic_name + "): disk write failed, keeping " +
            std::to_string(records.size() - stored) +
            " acknowledged messages in memory - " + error);
  for (auto i = stored; i < records.size(); ++i)
    hold_record(st, records[i]); // encoded by us a moment ago: decodes
}

/// n deferred records were not stored after all.
void uncount_unstored(topic_state& st, uint64_t n) {
  st.deferred_on_disk -= std::min(st.deferred_on_disk, n);
}

/// Writes what a publish could not keep in memory. A publish request is
/// answered once the write is confirmed (or failed); a batch sent on credit
/// was acknowledged already and counts at once.
caf::result<std::string> spill(topic_actor* self, std::vector<std::string> payloads,
                               uint64_t spilled_bytes, bool credited, bool deferred) {
  auto& st = self->state;
  auto count = payloads.size();
  if (deferred) // counted now: a read may meet them before the write's answer
    st.deferred_on_disk += count;
  if (credited) {
    st.message_count += count;
    st.message_bytes += spilled_bytes;
    auto copy = std::make_shared<const std::vector<std::string>>(payloads);
    st.disk.write(self, std::move(payloads),
                  [self, copy, deferred](uint64_t stored, const std::string& error) {
                    if (deferred)
                      uncount_unstored(self->state, copy->size() - stored);
                    keep_unstored(self, *copy, stored, error);
                    pump(self);
                  });
    return std::string{};
  }
  auto rp = self->make_response_promise<std::string>();
  st.disk.write(self, std::move(payloads),
                [self, rp, count, spilled_bytes,
                 deferred](uint64_t stored, const std::string& error) mutable {
                  auto& st = self->state;
                  if (deferred)
                    uncount_unstored(st, count - stored);
                  st.message_count += stored;
                  if (stored == count)
                    st.message_bytes += spilled_bytes;
                  rp.deliver(error);
                  pump(self);
                });
  return rp;
}

} // namespace

/// Accepts a batch with a disk queue behind the memory queue: what neither
/// the channels nor the memory queue take now is written to disk, and the
/// publisher is answered only when the write is confirmed (or failed). The
/// memory queue keeps the room promised to publishers with credit; a batch
/// sent on credit takes that room.
caf::result<std::string> publish_durable(topic_actor* self, body_batch& bodies,
                                         caf::timespan defer, bool credited) {
  auto& st = self->state;
  if (st.exiting) {
    if (credited) // cannot happen: an exit waits for every credit to return
      log_error("TOPIC(" + st.topic_name + "): lost " + std::to_string(bodies.size()) +
                " acknowledged messages - exiting");
    return std::string{"exiting"};
  }
  auto n = bodies.size();
  auto cap = mem_cap_of(st);
  bool in_order = !st.disk.backlog(); // else new messages go behind the disk
  // With no memory queue (--mem-queue-size=0) nothing is acknowledged before
  // it is on disk: a message sent straight to a channel would be answered
  // while only the channel's memory holds it. nsqd writes it to the topic's
  // disk queue first as well.
  bool direct_ok = in_order && cap > 0;
  size_t direct = 0;
  if (direct_ok && !holding(st) && !st.channels.empty() && st.held.empty())
    direct = defer > caf::timespan{0}
                 ? n
                 : static_cast<size_t>(std::min<uint64_t>(n, room_of(st)));
  size_t to_mem = 0;
  auto promised = st.held.size() + st.credit.reserved();
  if (in_order && credited)
    to_mem = n - direct;
  else if (in_order && promised < cap)
    to_mem = static_cast<size_t>(std::min<uint64_t>(n - direct, cap - promised));
  auto accepted = direct + to_mem;
  auto now = now_ns();
  std::vector<message_ref> refs;
  refs.reserve(direct);
  std::vector<std::string> payloads;
  uint64_t spilled_bytes = 0;
  for (size_t i = 0; i < n; ++i) {
    auto body = bodies[i];
    auto id = st.ids.next(now);
    if (i >= accepted) { // counted once the disk confirms it
      spilled_bytes += body.size();
      payloads.push_back(record_of(message_view{id, now, 0, body}, defer));
      continue;
    }
    ++st.message_count;
    st.message_bytes += body.size();
    if (i < direct)
      refs.emplace_back(id, now, body);
    else
      st.held.push(id, now, body, defer);
  }
  if (direct > 0)
    fan_out(self, std::move(refs), defer);
  if (payloads.empty())
    return std::string{};
  return spill(self, std::move(payloads), spilled_bytes, credited,
               defer > caf::timespan{0});
}

} // namespace nsq
