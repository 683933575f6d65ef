#include "actors/topic.hpp"

#include "actors/disk_worker.hpp"

#include "actors/channel.hpp"
#include "actors/log.hpp"
#include "actors/lookupd_messages.hpp"
#include "actors/lookupd_notify.hpp"
#include "actors/topic_state.hpp"
#include "protocol/names.hpp"
#include "storage/queue_record.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <chrono>
#include <limits>
#include <utility>
#include <vector>

namespace nsq {

namespace {

/// Returns the bound of every memory queue (at least 1: without the disk
/// queue a bound of 0 would refuse every message).
uint64_t capacity_of(const topic_state& st) {
  // With a disk queue and no memory queue, what a channel holds on credit is
  // only on its way to the channel's disk (the topic keeps its records until
  // then, and acknowledges nothing from memory): a window of one read batch
  // lets the hand-off share fsyncs instead of waiting for one per message.
  if (st.disk.enabled() && st.cfg->mem_queue_size <= 0)
    return 64;
  return static_cast<uint64_t>(std::max<int64_t>(st.cfg->mem_queue_size, 1));
}

/// Returns the bound of the memory queue when a disk queue takes the rest
/// (--mem-queue-size=0: everything that cannot go to a channel at once goes
/// to disk).
uint64_t mem_cap_of(const topic_state& st) {
  return static_cast<uint64_t>(
      std::max<int64_t>(st.cfg->disk_backed_mem_queue_size(), 0));
}

/// Returns how many more undeferred messages every waited-for channel can take.
uint64_t room_of(const topic_state& st) {
  auto room = std::numeric_limits<uint64_t>::max();
  auto cap = capacity_of(st);
  for (auto& [name, ch] : st.channels)
    if (!ch.ephemeral)
      room = std::min(room, ch.queued < cap ? cap - ch.queued : 0);
  return room;
}

/// Copies `batch` to every channel as one shared message (no body copies).
void fan_out(topic_actor* self, std::vector<message_ref> batch, caf::timespan defer) {
  auto n = batch.size();
  bool counted =
      defer <= caf::timespan{0}; // deferred messages leave no memory-queue trace
  if (counted)
    self->state.handoff.count(n);
  auto msg = caf::make_message(enqueue_atom::value, std::move(batch), defer);
  for (auto& [name, ch] : self->state.channels) {
    if (counted && !ch.ephemeral)
      ch.queued += n;
    self->send(ch.handle, msg);
  }
}

/// Forwards held messages, oldest first, as far as the channels have room.
void flush_held(topic_actor* self) {
  auto& st = self->state;
  while (!holding(st) && !st.held.empty() && !st.channels.empty()) {
    auto defer = st.held.front_defer();
    bool counted = defer <= caf::timespan{0};
    auto limit = counted ? room_of(st) : std::numeric_limits<uint64_t>::max();
    std::vector<message_ref> batch;
    while (!st.held.empty() && st.held.front_defer() == defer && batch.size() < limit)
      batch.push_back(st.held.pop_front()); // built only now, as it leaves
    if (batch.empty())
      return; // a channel is full: wait for its drained
    auto seqs = st.handoff.leave_held(batch.size());
    if (counted)
      st.handoff.await(seqs); // released once every channel took its copy
    else
      for (auto seq : seqs) // deferred: lives in the channels' memory, as in nsqd
        st.disk.confirm(seq);
    fan_out(self, std::move(batch), defer);
  }
}

/// Tells the metadata writer the topic's non-ephemeral channels.
void persist_channels(topic_actor* self) {
  auto& st = self->state;
  if (!st.disk_ctx || !st.disk_ctx->meta_writer || st.exiting)
    return;
  std::vector<std::string> names;
  for (auto& [name, ch] : st.channels)
    if (!ch.ephemeral)
      names.push_back(name);
  self->send(st.disk_ctx->meta_writer, meta_channels_atom::value, st.topic_name,
             std::move(names));
}

/// Returns the disk record of a message the topic holds or spills (a DPUB
/// keeps its relative defer: the delay starts when it reaches a channel, §8.7).
std::string record_of(message_data data, caf::timespan defer) {
  auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(defer).count();
  storage::queue_record r;
  r.message = std::move(data);
  r.deliver_at = ns > 0 ? -ns : 0;
  std::string out;
  storage::append_queue_record(out, r);
  return out;
}

void pump(topic_actor* self);

/// Returns the most forwarded messages any waited-for channel has not taken yet.
uint64_t outstanding_of(const topic_state& st) {
  uint64_t most = 0;
  for (auto& [name, ch] : st.channels)
    if (!ch.ephemeral)
      most = std::max(most, ch.queued);
  return most;
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

/// Asks the disk for the next batch once the memory queue ran dry and the
/// channels can take messages.
void refill(topic_actor* self) {
  auto& st = self->state;
  if (!st.disk.enabled() || st.disk.reading() || st.disk.depth() == 0 || holding(st) ||
      st.channels.empty() || !st.held.empty() || st.exiting)
    return;
  auto batch = std::clamp<uint64_t>(mem_cap_of(st), 64, 1024);
  st.disk.read(self, batch, [self](std::vector<std::string>& records, uint64_t first) {
    auto& st = self->state;
    for (size_t i = 0; i < records.size(); ++i) {
      storage::queue_record m;
      if (!storage::decode_queue_record(records[i], m).is_ok()) {
        log_warn("TOPIC(" + st.topic_name + "): skipped an unreadable disk record");
        st.disk.confirm(first + i);
        continue;
      }
      auto defer = m.deliver_at < 0 ? caf::timespan{-m.deliver_at} : caf::timespan{0};
      st.held.push(m.message.id, m.message.timestamp, m.message.body, defer);
      st.handoff.held(first + i);
    }
    pump(self);
  });
}

/// Moves messages along: memory to channels, disk to memory; retires an
/// idle disk worker.
void pump(topic_actor* self) {
  auto& st = self->state;
  if (st.exiting)
    return;
  flush_held(self);
  release_taken(self);
  refill(self);
  st.disk.retire_if_idle(self);
}

/// Returns the wall clock in Unix nanoseconds: a published message's timestamp.
int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Accepts a batch all-or-nothing; returns the refusal reason or "".
std::string publish(topic_actor* self, std::vector<std::string>& bodies,
                    caf::timespan defer) {
  auto& st = self->state;
  auto n = bodies.size();
  auto cap = capacity_of(st);
  size_t direct = 0; // messages that go to the channels right away
  if (!holding(st) && !st.channels.empty() && st.held.empty())
    direct = defer > caf::timespan{0}
                 ? n
                 : static_cast<size_t>(std::min<uint64_t>(n, room_of(st)));
  // An ephemeral topic drops its overflow like nsqd; others refuse (no disk queue yet).
  if (!st.ephemeral && st.held.size() + (n - direct) > cap)
    return "queue full";
  // Each message gets its ID in publish order; only those for the channels
  // become message_refs, the rest are packed into the memory queue.
  auto now = now_ns();
  std::vector<message_ref> refs;
  refs.reserve(direct);
  st.message_count += n;
  for (size_t i = 0; i < n; ++i) {
    auto& body = bodies[i];
    st.message_bytes += body.size();
    auto id = st.ids.next(now);
    if (i < direct)
      refs.emplace_back(message_data{id, now, std::move(body)});
    else if (st.held.size() < cap)
      st.held.push(id, now, body, defer);
    // else: an ephemeral topic drops its newest overflow (nsqd)
  }
  if (direct > 0)
    fan_out(self, std::move(refs), defer);
  return {};
}

/// Accepts a batch with a disk queue behind the memory queue: what neither
/// the channels nor the memory queue take now is written to disk, and the
/// publisher is answered only when the write is confirmed (or failed).
caf::result<std::string> publish_durable(topic_actor* self,
                                         std::vector<std::string>& bodies,
                                         caf::timespan defer) {
  auto& st = self->state;
  if (st.exiting)
    return std::string{"exiting"};
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
  if (in_order && st.held.size() < cap)
    to_mem = static_cast<size_t>(std::min<uint64_t>(n - direct, cap - st.held.size()));
  auto accepted = direct + to_mem;
  auto now = now_ns();
  std::vector<message_ref> refs;
  refs.reserve(direct);
  std::vector<std::string> payloads;
  uint64_t spilled_bytes = 0;
  for (size_t i = 0; i < n; ++i) {
    auto& body = bodies[i];
    auto id = st.ids.next(now);
    if (i >= accepted) { // counted once the disk confirms it
      spilled_bytes += body.size();
      payloads.push_back(record_of(message_data{id, now, std::move(body)}, defer));
      continue;
    }
    ++st.message_count;
    st.message_bytes += body.size();
    if (i < direct)
      refs.emplace_back(message_data{id, now, std::move(body)});
    else
      st.held.push(id, now, body, defer);
  }
  if (direct > 0)
    fan_out(self, std::move(refs), defer);
  if (payloads.empty())
    return std::string{};
  auto rp = self->make_response_promise<std::string>();
  auto count = payloads.size();
  st.disk.write(self, std::move(payloads),
                [self, rp, count, spilled_bytes](uint64_t stored,
                                                 const std::string& error) mutable {
                  auto& st = self->state;
                  st.message_count += stored;
                  if (stored == count)
                    st.message_bytes += spilled_bytes;
                  rp.deliver(error);
                  pump(self);
                });
  return rp;
}

/// nsqd's two lines for a channel deletion (topic.go, then channel.go).
void log_deleting_channel(const std::string& topic, const std::string& channel) {
  log_info("TOPIC(" + topic + "): deleting channel " + channel);
  log_info("CHANNEL(" + channel + "): deleting");
}

/// Spawns and registers channel `name` (durable if the topic is).
caf::actor add_channel(topic_actor* self, const std::string& name, bool paused) {
  auto& st = self->state;
  auto self_handle = caf::actor_cast<caf::actor>(self);
  auto ch = st.disk_ctx
                ? spawn_channel(self->system(), self_handle, st.topic_name, name, st.cfg,
                                st.disk_ctx, paused)
                : spawn_channel(self->system(), self_handle, st.topic_name, name, st.cfg);
  self->monitor(ch);
  if (st.exiting) // created while shutting down: it must stop as well
    self->send_exit(ch, caf::exit_reason::user_shutdown);
  st.channels.emplace(name, channel_slot{ch, is_ephemeral(name)});
  log_info("TOPIC(" + st.topic_name + "): new channel(" + name + ")");
  st.had_channel = true;
  notify_lookupd(self, lookup_op::register_, st.topic_name, name);
  return ch;
}

caf::result<caf::actor> get_channel(topic_actor* self, const std::string& name) {
  auto& st = self->state;
  if (auto it = st.channels.find(name); it != st.channels.end())
    return it->second.handle;
  if (!is_valid_channel_name(name))
    return caf::make_error(caf::sec::invalid_argument, "invalid channel name");
  auto ch = add_channel(self, name, false);
  persist_channels(self);
  pump(self);
  return ch;
}

void drained(topic_actor* self, uint64_t n) {
  auto sender = self->current_sender();
  for (auto& [name, ch] : self->state.channels)
    if (ch.handle.address() == sender)
      ch.queued -= std::min(ch.queued, n);
  pump(self);
}

void on_channel_down(topic_actor* self, const caf::down_msg& dm) {
  auto& st = self->state;
  for (auto it = st.channels.begin(); it != st.channels.end(); ++it)
    if (it->second.handle.address() == dm.source) {
      bool was_persisted = !it->second.ephemeral;
      if (!st.exiting) { // an ephemeral channel's last client left (§11.4)
        log_deleting_channel(st.topic_name, it->first);
        notify_lookupd(self, lookup_op::unregister, st.topic_name, it->first);
      }
      st.channels.erase(it);
      if (was_persisted)
        persist_channels(self);
      break;
    }
  if (st.ephemeral && st.had_channel && st.channels.empty() && !st.exiting) {
    log_info("TOPIC(" + st.topic_name + "): deleting");
    self->quit(); // last channel of an ephemeral topic is gone (§11.4)
    return;
  }
  pump(self); // the channel we waited for may be gone
}

/// Answers /stats: the topic's own figures and its channels in name order.
caf::result<topic_stats, std::vector<caf::actor>> stats(topic_actor* self) {
  auto& st = self->state;
  topic_stats ts;
  ts.topic_name = st.topic_name;
  ts.backend_depth = static_cast<int64_t>(st.disk.depth() + st.disk.writing());
  ts.depth = static_cast<int64_t>(st.held.size()) + ts.backend_depth;
  ts.message_count = st.message_count;
  ts.message_bytes = st.message_bytes;
  ts.paused = st.paused;
  std::vector<caf::actor> channels;
  for (auto& [name, ch] : st.channels)
    channels.push_back(ch.handle);
  return {std::move(ts), std::move(channels)};
}

caf::result<caf::actor> find_channel(topic_actor* self, const std::string& name) {
  auto& chans = self->state.channels;
  if (auto it = chans.find(name); it != chans.end())
    return it->second.handle;
  return caf::make_error(caf::sec::invalid_argument, "channel not found");
}

/// Deletes channel `name` (§11.5): it quits, which closes its clients; an
/// ephemeral topic left without channels goes too.
bool delete_channel(topic_actor* self, const std::string& name) {
  auto& st = self->state;
  auto it = st.channels.find(name);
  if (it == st.channels.end())
    return false;
  auto ch = it->second.handle;
  log_deleting_channel(st.topic_name, name);
  st.channels.erase(it);
  self->demonitor(ch);
  notify_lookupd(self, lookup_op::unregister, st.topic_name, name);
  if (st.disk_ctx) {
    // Its files go before a channel of the same name can be created (one I/O
    // actor takes both in order); the old channel's later requests are stale.
    if (auto& pool = st.disk_ctx->pool; pool && !pool->actors.empty()) {
      auto queue = st.topic_name + ":" + name;
      self->send(pool->actors[disk_io_index(queue, pool->actors.size())],
                 disk_remove_atom::value, queue, ch.id(), self->id());
    }
    self->send(ch, purge_atom::value); // drops its messages and disk queue
  } else
    self->send_exit(ch, caf::exit_reason::user_shutdown);
  persist_channels(self);
  if (st.ephemeral && st.channels.empty()) {
    log_info("TOPIC(" + st.topic_name + "): deleting");
    self->quit();
  } else
    pump(self); // the deleted channel may have been the full one
  return true;
}

bool set_paused(topic_actor* self, bool paused) {
  auto& st = self->state;
  st.paused = paused;
  if (st.disk_ctx && st.disk_ctx->meta_writer && !st.ephemeral)
    self->send(st.disk_ctx->meta_writer, meta_pause_atom::value, st.topic_name,
               std::string{}, paused);
  pump(self);
  return true;
}

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

/// Channel discovery (§11.2): the lookupds' channels for this new topic are
/// created (ephemeral ones skipped, as nsqd does) before anything is copied
/// to channels; published messages wait like on a paused topic. A failure or
/// timeout just starts the topic (nsqd logs and goes on).
void discover_channels(topic_actor* self, const caf::actor& coordinator) {
  auto& st = self->state;
  st.discovering = true;
  auto timeout = st.cfg->http_client_connect_timeout +
                 st.cfg->http_client_request_timeout + std::chrono::seconds(2);
  auto done = [self] {
    self->state.discovering = false;
    pump(self);
  };
  self->request(coordinator, timeout, lk_chans_atom::value, st.topic_name)
      .then(
          [self, done](std::vector<std::string>& names) {
            auto& st = self->state;
            bool added = false;
            for (auto& n : names)
              if (!is_ephemeral(n) && !st.exiting && st.channels.count(n) == 0 &&
                  is_valid_channel_name(n)) {
                add_channel(self, n, false);
                added = true;
              }
            if (added)
              persist_channels(self);
            done();
          },
          [done](caf::error&) { done(); });
}

caf::result<std::string> publish_any(topic_actor* self, std::vector<std::string>& bodies,
                                     caf::timespan defer) {
  if (self->state.disk.enabled())
    return publish_durable(self, bodies, defer);
  return publish(self, bodies, defer);
}

caf::behavior topic_behavior(topic_actor* self, std::string name,
                             std::shared_ptr<const settings> cfg, disk_context_ptr disk,
                             storage::topic_metadata restored) {
  auto& st = self->state;
  st.ephemeral = is_ephemeral(name);
  st.topic_name = std::move(name);
  st.ids = id_generator{cfg->node_id};
  st.cfg = std::move(cfg);
  st.disk_ctx = std::move(disk);
  if (st.disk_ctx && !st.ephemeral)
    st.disk.init(st.disk_ctx, st.cfg, st.topic_name, self->id(), self->id());
  st.paused = restored.paused;
  for (auto& c : restored.channels)
    if (is_valid_channel_name(c.name) && st.channels.count(c.name) == 0)
      add_channel(self, c.name, c.paused);
  st.disk.start(self, [self] { pump(self); });
  self->set_down_handler([=](caf::down_msg& dm) { on_channel_down(self, dm); });
  self->set_exit_handler([=](caf::exit_msg& em) { on_exit(self, em); });
  return {
      [=](publish_atom, std::vector<std::string>& bodies, caf::timespan defer) {
        return publish_any(self, bodies, defer);
      },
      [=](get_channel_atom, const std::string& name) { return get_channel(self, name); },
      [=](drained_atom, uint64_t n) { drained(self, n); },
      [=](stats_atom) { return stats(self); },
      [=](find_atom, const std::string& name) { return find_channel(self, name); },
      [=](delete_atom, const std::string& name) { return delete_channel(self, name); },
      [=](empty_atom) {
        self->state.held.clear(); // only what is not yet copied to channels (§11.6)
        self->state.handoff.clear();
        self->state.disk.empty(self);
        return true;
      },
      [=](purge_atom) { purge(self); },
      [=](pause_atom, bool paused) { return set_paused(self, paused); },
      [=](lk_disc_atom, const caf::actor& coordinator) {
        discover_channels(self, coordinator);
      },
  };
}

} // namespace

caf::actor spawn_topic(caf::actor_system& sys, std::string name,
                       std::shared_ptr<const settings> cfg) {
  return sys.spawn(topic_behavior, std::move(name), std::move(cfg), disk_context_ptr{},
                   storage::topic_metadata{});
}

caf::actor spawn_topic(caf::actor_system& sys, std::string name,
                       std::shared_ptr<const settings> cfg, disk_context_ptr disk,
                       storage::topic_metadata restored) {
  return sys.spawn(topic_behavior, std::move(name), std::move(cfg), std::move(disk),
                   std::move(restored));
}

} // namespace nsq
