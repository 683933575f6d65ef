// The channel's disk queue: overflow spilled in batches, refilled as the
// memory queue runs low.

#include "actors/channel_internal.hpp"
#include "actors/disk_records.hpp"
#include "actors/log.hpp"
#include "storage/queue_record.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace nsq {

/// Returns the memory queue's bound with a disk queue behind it.
size_t mem_cap_of(const channel_state& st) {
  return static_cast<size_t>(std::max<int64_t>(st.cfg->disk_backed_mem_queue_size(), 0));
}

/// Accepts a message from the topic; `origin` (file, offset) is its place in
/// the topic's disk queue, if it came from there. Without a memory queue
/// (the crash-safe setting) every copy goes to disk, and those with an
/// origin are stored with it, so the channel's queue knows, durably with
/// the copy, that it has it: the topic's hand-off repeated after a crash
/// (its confirm not yet durable) is recognised by the queue and not stored
/// twice. With a memory queue, copies can live in memory only: no origins
/// (the mark must never pass a copy a crash could lose).
void spill_from_topic(channel_state& st, delivery d, const uint64_t* origin) {
  auto before = st.spill.size();
  accept(st, std::move(d));
  if (origin && !st.origins_off && st.spill.size() > before && mem_cap_of(st) == 0)
    st.spill_origins.emplace_back(before, storage::queue_position{origin[0], origin[1]});
}

namespace {

/// Whether the overflow may wait in memory rather than go to disk: what the
/// disk holds for us fits into memory beside it, so the reads bring it all
/// back at once (next_read_size asks for it) and the overflow then joins the
/// memory queue behind it, in order, without a round trip through the disk.
/// Spilling it instead would keep the disk backlog alive as long as the topic
/// forwards (new messages go behind it), and every message would be written
/// and read back while the consumer waits for the reads. Unwritten overflow
/// counts as not taken (report_drained): the topic keeps its records of it,
/// and forwards no more than the memory queue's bound meanwhile.
bool overflow_may_wait(const channel_state& st) {
  auto cap = mem_cap_of(st);
  return cap > 0 && !st.paused && !st.exiting && st.spill_origins.empty() &&
         st.queue.size() + st.disk.depth() + st.disk.writing() + st.spill.size() <= cap;
}

/// Moves the overflow into the memory queue once nothing is on disk ahead of
/// it and it fits; returns whether it did.
bool take_overflow_into_memory(channel_state& st) {
  if (st.disk.backlog() || !st.spill_origins.empty() ||
      st.queue.size() + st.spill.size() > mem_cap_of(st))
    return false;
  for (auto& d : st.spill)
    st.queue.push_back(std::move(d));
  st.spill.clear();
  return true;
}

} // namespace

/// Writes this handler's overflow as one batch, unless it can wait in memory
/// for the disk backlog ahead of it (overflow_may_wait) or joins the memory
/// queue now (then returns true: deliver it). A failed write keeps the
/// messages in memory (beyond the bound; the topic's credit still counts
/// them, so it holds back) and the broker turns unhealthy.
bool flush_spill(channel_actor* self) {
  auto& st = self->state;
  if (st.spill.empty())
    return false;
  if (take_overflow_into_memory(st))
    return true;
  if (overflow_may_wait(st))
    return false;
  std::vector<std::string> payloads;
  payloads.reserve(st.spill.size());
  for (auto& d : st.spill)
    payloads.push_back(encode_disk_message(d.msg, d.attempts, 0));
  for (auto& [i, at] : st.spill_origins)
    payloads[i] = storage::with_origin(payloads[i], at);
  bool with_origins = !st.spill_origins.empty();
  st.spill_origins.clear();
  auto items = std::make_shared<std::vector<delivery>>(std::move(st.spill));
  st.spill.clear();
  // Messages read from disk earlier: their old record goes once the new one is stored.
  auto origins = std::make_shared<std::vector<std::optional<uint64_t>>>();
  for (auto& d : *items)
    origins->push_back(st.from_disk.take(data_of(d.msg).id));
  st.disk.write(
      self, std::move(payloads),
      [self, items, origins, with_origins](uint64_t stored, const std::string& error) {
        auto& st = self->state;
        for (size_t i = 0; i < items->size(); ++i) {
          auto& seq = (*origins)[i];
          if (seq && i < stored)
            st.disk.confirm(*seq);
          else if (seq)
            st.from_disk.add(data_of((*items)[i].msg).id, *seq);
        }
        if (!error.empty() && st.exiting) {
          // Cancelled by the shutdown: the write was handed over
          // already and completes; nothing to keep in memory.
        } else if (!error.empty()) {
          st.origins_off = st.origins_off || with_origins;
          log_error("CHANNEL(" + st.topic_name + ":" + st.channel_name +
                    "): disk write failed, keeping messages in memory - " + error);
          for (size_t i = stored; i < items->size(); ++i)
            st.queue.push_back(std::move((*items)[i]));
          st.unstored += items->size() - stored;
        }
        report_drained(self);
        after_change(self);
      });
  return false;
}

namespace {

/// Reads up to n records into the memory queue (deferred ones to the deferred
/// set); false if the link sends no read now.
bool read_batch_from_disk(channel_actor* self, size_t n) {
  auto& st = self->state;
  return st.disk.read(self, n, [self](disk_record_batch& records, uint64_t first) {
    auto& st = self->state;
    auto wall = record_clock_ns();
    auto now = now_of(self);
    for (size_t i = 0; i < records.size(); ++i) {
      disk_message m;
      if (!decode_disk_message(records[i], m)) {
        log_warn("CHANNEL(" + st.topic_name + ":" + st.channel_name +
                 "): skipped an unreadable disk record");
        st.disk.confirm(first + i);
        continue;
      }
      st.from_disk.add(data_of(m.msg).id, first + i); // kept on disk until FIN
      delivery d{std::move(m.msg), m.attempts};
      if (m.deliver_at > wall) // deferred before a restart: the rest of its delay
        st.deferred.emplace(now + caf::timespan{m.deliver_at - wall}, std::move(d));
      else
        st.queue.push_back(std::move(d));
    }
    after_change(self);
  });
}

/// Records a channel asks for in one read.
constexpr size_t read_batch = 1024;

/// How many records the next read asks for: 0 while memory plus the reads
/// outstanding hold enough. Read-ahead keeps the memory queue near its bound,
/// so a consumer draining a backlog never waits for a read's round trip (the
/// I/O actor is shared with the writes and syncs of the topic's queues).
/// With --mem-queue-size=0 one read of 64 at a time, and only once the
/// memory queue ran dry: the read-ahead is all that may sit unconfirmed.
size_t next_read_size(const channel_state& st) {
  auto cap = mem_cap_of(st);
  if (cap == 0)
    return st.queue.empty() && !st.disk.reading() ? 64 : 0;
  auto have = st.queue.size() + static_cast<size_t>(st.disk.requested());
  // Half the bound at most, so the next read is on its way while the
  // consumers take the previous batch; no more than is left on disk, so the
  // last records always fit (overflow waiting in memory needs them back).
  auto left = static_cast<size_t>(st.disk.depth() - st.disk.requested());
  auto batch = std::min({std::max<size_t>(cap / 2, 1), read_batch, left});
  if (have + batch > cap)
    return 0;
  return batch;
}

} // namespace

/// Asks the disk for the next batches while memory has room for them.
void refill(channel_actor* self) {
  auto& st = self->state;
  if (!st.disk.enabled() || st.exiting || st.paused)
    return;
  while (st.disk.depth() > st.disk.requested() &&
         st.disk.reads_in_flight() < disk_link::max_reads)
    if (auto n = next_read_size(st); n == 0 || !read_batch_from_disk(self, n))
      return; // enough asked for, or the link sends no read now (closing)
}

namespace {

/// Whether the channel wants the topic's disk records now. One whose
/// consumers drain a backlog that does not fit into memory does not: each
/// record the topic forwarded would go behind that backlog, i.e. be written
/// to this queue and read back, through the same I/O actor as the topic's
/// reads (so the topic's disk backlog drains at half speed at best). The
/// topic then keeps its records until memory has room again. A channel
/// without consumers, paused, or without a memory queue (every hand-off
/// goes through its disk) always wants them, so its depth shows its
/// messages as in nsqd.
bool wants_disk_records(const channel_state& st) {
  auto cap = mem_cap_of(st);
  return cap == 0 || st.consumers.empty() || st.paused ||
         st.queue.size() + st.spill.size() + st.disk.depth() + st.disk.writing() < cap;
}

} // namespace

/// Tells the topic when the channel starts or stops wanting its disk records.
void report_wants(channel_actor* self) {
  auto& st = self->state;
  if (st.ephemeral || !st.disk.enabled() || st.exiting || !st.topic)
    return;
  bool wants = wants_disk_records(st);
  if (wants == st.wants)
    return;
  st.wants = wants;
  self->send(st.topic, wants_atom::value, wants);
}

} // namespace nsq
