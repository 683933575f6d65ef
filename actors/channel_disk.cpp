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

/// Writes this handler's overflow as one batch. A failed write keeps the
/// messages in memory (beyond the bound; the topic's credit still counts
/// them, so it holds back) and the broker turns unhealthy.
void flush_spill(channel_actor* self) {
  auto& st = self->state;
  if (st.spill.empty())
    return;
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
}

/// Asks the disk for a batch when the memory queue runs low.
void refill(channel_actor* self) {
  auto& st = self->state;
  auto cap = mem_cap_of(st);
  auto low = std::max<size_t>(cap / 2, 1);
  if (!st.disk.enabled() || st.exiting || st.paused || st.disk.reading() ||
      st.disk.depth() == 0 || st.queue.size() >= low)
    return;
  auto n = cap > st.queue.size() ? std::min<size_t>(cap - st.queue.size(), 1024) : 64;
  st.disk.read(self, n, [self](std::vector<std::string>& records, uint64_t first) {
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

} // namespace nsq
