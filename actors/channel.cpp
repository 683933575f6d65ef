#include "actors/channel.hpp"

#include "actors/channel_state.hpp"
#include "actors/disk_records.hpp"
#include "actors/flow_control.hpp"
#include "actors/log.hpp"
#include "protocol/errors.hpp"
#include "protocol/names.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <optional>
#include <utility>
#include <vector>

namespace nsq {

namespace {

using time_point = channel_state::time_point;

time_point now_of(channel_actor* self) {
  return self->clock().now();
}

caf::actor_addr sender_of(channel_actor* self) {
  return caf::actor_cast<caf::actor_addr>(self->current_sender());
}

/// Returns the consumer `who`, or nullptr.
consumer* find_consumer(channel_state& st, const caf::actor_addr& who) {
  auto it = st.consumers.find(who);
  return it == st.consumers.end() ? nullptr : &it->second;
}

/// Returns the in-flight timeout of `c`: its IDENTIFY value, else the flag.
caf::timespan msg_timeout_of(const channel_state& st, const consumer& c) {
  if (c.info.msg_timeout_ms > 0)
    return std::chrono::milliseconds{c.info.msg_timeout_ms};
  return st.cfg->msg_timeout;
}

/// Returns whether sample_rate discards the next message for `c` (§8.8).
bool sampled_out(channel_state& st, const consumer& c) {
  if (c.info.sample_rate <= 0)
    return false;
  std::uniform_int_distribution<int64_t> draw{0, 99};
  return draw(st.rng) > c.info.sample_rate;
}

/// The channel no longer needs message `id`'s disk record (finished, dropped
/// or stored again): confirmed to the worker with the handler's others.
void release_record(channel_state& st, const message_id& id) {
  if (auto seq = st.from_disk.take(id))
    st.disk.confirm(*seq);
}

/// Hands `c` up to its free RDY from the memory queue, in one message.
void serve(channel_actor* self, const caf::actor_addr& key, consumer& c, time_point now) {
  auto& st = self->state;
  std::vector<delivery> batch;
  // Write backpressure: only as far as its byte credit goes. The last message
  // may overshoot it, so one larger than the whole window still goes.
  if (!c.writable())
    return;
  while (c.ready() && !st.queue.empty()) {
    delivery d = std::move(st.queue.front());
    st.queue.pop_front();
    if (sampled_out(st, c)) {
      release_record(st, data_of(d.msg).id);
      continue; // gone for this channel, not counted as sent
    }
    if (auto* held = st.in_flight.find(data_of(d.msg).id)) {
      // An ID is in flight once per channel (FIN/REQ/TOUCH name it). nsqd
      // drops the duplicate silently; we defer it to the in-flight copy's
      // deadline (by then finished or timed out) and deliver it then: a copy
      // replayed from disk, or another message given the same ID, is never
      // lost (docs/architecture.md, "Where we differ from nsqd").
      st.deferred.emplace(held->deadline, std::move(d));
      continue; // after_change re-arms the wake
    }
    d.attempts = static_cast<uint16_t>(d.attempts + 1);
    auto deadline = now + msg_timeout_of(st, c);
    st.in_flight.insert(data_of(d.msg).id, {d, key, now, deadline});
    ++c.in_flight;
    ++c.message_count;
    c.credit -= delivery_cost(data_of(d.msg));
    batch.push_back(std::move(d));
    if (!c.writable())
      break;
  }
  if (!batch.empty())
    self->send(c.handle, deliver_atom::value, std::move(batch));
}

/// Tells the topic how many of its messages left the memory queue. Messages
/// that re-entered the queue (requeues, timeouts) are assumed to leave last,
/// so the topic never gets more credit than it is owed.
void report_drained(channel_actor* self) {
  auto& st = self->state;
  if (st.ephemeral)
    return;
  // With a disk queue the channel takes everything (memory while it has
  // room, else disk), so only messages bound for disk and not yet confirmed
  // still count; without one, the memory queue does.
  uint64_t held =
      st.disk.enabled() ? st.spill.size() + st.disk.writing() : st.queue.size();
  uint64_t still = std::min<uint64_t>(st.topic_credit, held);
  uint64_t freed = st.topic_credit - still;
  if (freed == 0)
    return;
  st.topic_credit = still;
  self->send(st.topic, drained_atom::value, freed);
}

/// Serves every ready consumer once, starting one further each round (fairness).
void dispatch(channel_actor* self) {
  auto& st = self->state;
  if (st.paused || st.queue.empty() || st.consumers.empty())
    return;
  auto now = now_of(self);
  auto start = st.consumers.upper_bound(st.last_first);
  if (start == st.consumers.end())
    start = st.consumers.begin();
  st.last_first = start->first;
  auto it = start;
  do {
    serve(self, it->first, it->second, now);
    if (++it == st.consumers.end())
      it = st.consumers.begin();
  } while (it != start && !st.queue.empty());
  report_drained(self);
}

/// Returns the memory queue's bound with a disk queue behind it.
size_t mem_cap_of(const channel_state& st) {
  return static_cast<size_t>(std::max<int64_t>(st.cfg->disk_backed_mem_queue_size(), 0));
}

/// nsqd's channel.put (§15.2): memory while it has room and nothing older
/// waits on disk (order), else the disk queue. Memory-only channels (and
/// ephemeral ones, trimmed later) always take it into memory.
void accept(channel_state& st, delivery d) {
  if (st.disk.enabled() &&
      (st.disk.backlog() || !st.spill.empty() || st.queue.size() >= mem_cap_of(st)))
    st.spill.push_back(std::move(d));
  else
    st.queue.push_back(std::move(d));
}

void after_change(channel_actor* self);

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
  auto items = std::make_shared<std::vector<delivery>>(std::move(st.spill));
  st.spill.clear();
  // Messages read from disk earlier: their old record goes once the new one is stored.
  auto origins = std::make_shared<std::vector<std::optional<uint64_t>>>();
  for (auto& d : *items)
    origins->push_back(st.from_disk.take(data_of(d.msg).id));
  st.disk.write(self, std::move(payloads),
                [self, items, origins](uint64_t stored, const std::string& error) {
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
                    log_error("CHANNEL(" + st.topic_name + ":" + st.channel_name +
                              "): disk write failed, keeping messages in memory - " +
                              error);
                    for (size_t i = stored; i < items->size(); ++i)
                      st.queue.push_back(std::move((*items)[i]));
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

/// An ephemeral channel keeps at most mem_queue_size messages; the rest is
/// dropped silently (§11.4).
void trim_ephemeral(channel_state& st) {
  if (!st.ephemeral)
    return;
  auto cap = static_cast<size_t>(std::max<int64_t>(st.cfg->mem_queue_size, 0));
  while (st.queue.size() > cap)
    st.queue.pop_back();
}

/// Keeps exactly one wake on its way for the earliest deadline.
void arm_wake(channel_actor* self) {
  auto& st = self->state;
  std::optional<time_point> next = st.in_flight.earliest();
  if (!st.deferred.empty() && (!next || st.deferred.begin()->first < *next))
    next = st.deferred.begin()->first;
  if (!next || (st.wake_at && *st.wake_at <= *next))
    return; // nothing due, or the pending wake comes early enough
  st.wake_at = *next;
  auto gen = ++st.wake_gen;
  auto now = now_of(self);
  if (*next <= now)
    self->send(self, wake_atom::value, gen);
  else
    self->delayed_send(self, *next - now, wake_atom::value, gen);
}

/// Delivers what can be delivered, then re-arms the wake.
void after_change(channel_actor* self) {
  if (self->state.exiting)
    return;
  dispatch(self);
  trim_ephemeral(self->state);
  flush_spill(self);
  if (self->state.disk.enabled())
    report_drained(self);
  refill(self);
  self->state.disk.flush_confirms(self);
  if (self->state.queue.empty())
    self->state.disk.retire_if_idle(self);
  arm_wake(self);
}

/// Moves expired in-flight messages and due deferred ones to the memory queue.
void process_due(channel_actor* self) {
  auto& st = self->state;
  auto now = now_of(self);
  std::map<caf::actor_addr, int64_t> released;
  for (auto& e : st.in_flight.take_due(now)) {
    ++st.timeout_count;
    if (auto* c = find_consumer(st, e.owner)) {
      --c->in_flight;
      ++released[e.owner];
    }
    accept(st, std::move(e.msg));
  }
  for (auto& [owner, n] : released) // the session counts in-flight for /stats
    self->send(st.consumers[owner].handle, released_atom::value, n);
  while (!st.deferred.empty() && st.deferred.begin()->first <= now) {
    accept(st, std::move(st.deferred.begin()->second));
    st.deferred.erase(st.deferred.begin());
  }
}

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

void enqueue(channel_actor* self, const std::vector<message_ref>& batch,
             caf::timespan defer) {
  auto& st = self->state;
  st.message_count += batch.size();
  if (defer > caf::timespan{0}) {
    auto due = now_of(self) + defer;
    for (auto& m : batch)
      st.deferred.emplace(due, delivery{m, 0});
  } else {
    for (auto& m : batch)
      accept(st, delivery{m, 0});
    if (!st.ephemeral)
      st.topic_credit += batch.size();
  }
  after_change(self);
}

/// Returns the wall clock in Unix nanoseconds (message timestamps use it).
int64_t wall_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

/// Records a FIN's end-to-end latency (now − publish time, §15.10).
void sample_latency(channel_state& st, const in_flight_set::entry& e) {
  if (st.cfg->e2e_processing_latency_percentiles.empty())
    return;
  auto now = wall_ns();
  st.e2e.add(now, static_cast<double>(now - data_of(e.msg.msg).timestamp));
}

void finish(channel_actor* self, const std::vector<message_id>& ids) {
  auto& st = self->state;
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

void wake(channel_actor* self, uint64_t gen) {
  auto& st = self->state;
  if (gen != st.wake_gen)
    return; // stale: a later wake replaced it
  st.wake_at.reset();
  process_due(self);
  after_change(self);
}

/// Answers /stats: the channel's figures, its consumers, its latency window.
caf::result<channel_stats, std::vector<caf::actor>, std::vector<latency_samples>>
stats(channel_actor* self) {
  auto& st = self->state;
  channel_stats cs;
  cs.channel_name = st.channel_name;
  cs.backend_depth =
      static_cast<int64_t>(st.disk.depth() + st.disk.writing() + st.spill.size());
  cs.depth = static_cast<int64_t>(st.queue.size()) + cs.backend_depth;
  cs.in_flight_count = static_cast<int64_t>(st.in_flight.size());
  cs.deferred_count = static_cast<int64_t>(st.deferred.size());
  cs.message_count = st.message_count;
  cs.requeue_count = st.requeue_count;
  cs.timeout_count = st.timeout_count;
  cs.client_count = static_cast<int64_t>(st.consumers.size());
  cs.paused = st.paused;
  std::vector<caf::actor> consumers;
  for (auto& [addr, c] : st.consumers)
    consumers.push_back(c.handle);
  return {std::move(cs), std::move(consumers), st.e2e.snapshot(wall_ns())};
}

/// Drops the memory queue, in-flight and deferred sets (§11.6); consumers stay
/// and are told their in-flight count is 0 again.
bool empty_channel(channel_actor* self) {
  auto& st = self->state;
  st.queue.clear();
  st.spill.clear();
  st.from_disk.clear();
  st.disk.empty(self);
  st.in_flight = in_flight_set{};
  st.deferred.clear();
  for (auto& [addr, c] : st.consumers) {
    if (c.in_flight > 0)
      self->send(c.handle, released_atom::value, c.in_flight);
    c.in_flight = 0;
  }
  report_drained(self); // the topic may forward what it held for us
  after_change(self);
  return true;
}

/// Shutdown (§15.8): memory queue, in-flight (with their attempts) and
/// deferred messages (with their due time, which nsqd loses) go behind the
/// disk queue, which is then synced and closed; then the channel quits.
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
  st.deferred.clear();
  auto reason = em.reason;
  st.disk.shutdown(self, std::move(payloads), [self, reason] { self->quit(reason); });
}

/// Deleted (§11.5): everything dropped, the disk queue removed, clients
/// closed (they watch the channel).
void purge(channel_actor* self) {
  auto& st = self->state;
  st.exiting = true;
  st.queue.clear();
  st.spill.clear();
  st.deferred.clear();
  st.disk.remove(self);
  self->quit(caf::exit_reason::user_shutdown);
}

bool set_paused(channel_actor* self, bool paused) {
  auto& st = self->state;
  if (st.disk_ctx && st.disk_ctx->meta_writer && !st.ephemeral)
    self->send(st.disk_ctx->meta_writer, meta_pause_atom::value, st.topic_name,
               st.channel_name, paused);
  self->state.paused = paused;
  after_change(self); // unpause delivers without a new RDY (§11.7)
  return true;
}

caf::behavior channel_behavior(channel_actor* self, caf::actor topic,
                               std::string topic_name, std::string name,
                               std::shared_ptr<const settings> cfg, disk_context_ptr disk,
                               bool paused) {
  auto& st = self->state;
  st.topic = std::move(topic);
  st.topic_name = std::move(topic_name);
  st.ephemeral = is_ephemeral(name);
  st.channel_name = std::move(name);
  st.e2e = latency_window{
      std::chrono::nanoseconds(cfg->e2e_processing_latency_window_time).count()};
  st.cfg = std::move(cfg);
  st.paused = paused;
  st.disk_ctx = std::move(disk);
  if (st.disk_ctx && !st.ephemeral)
    st.disk.init(st.disk_ctx, st.cfg, st.topic_name + ":" + st.channel_name, self->id(),
                 st.topic ? st.topic.id() : self->id());
  st.disk.start(self, [self] { after_change(self); });
  self->set_down_handler([=](caf::down_msg& dm) { remove_consumer(self, dm.source); });
  self->set_exit_handler([=](caf::exit_msg& em) { on_exit(self, em); });
  return {
      [=](subscribe_atom, consumer_info& info) { return subscribe(self, info); },
      [=](unsubscribe_atom) { remove_consumer(self, sender_of(self)); },
      [=](ready_atom, int64_t count) { ready(self, count); },
      [=](credit_atom, int64_t bytes) { add_credit(self, bytes); },
      [=](enqueue_atom, const std::vector<message_ref>& batch, caf::timespan defer) {
        enqueue(self, batch, defer);
      },
      [=](finish_atom, const std::vector<message_id>& ids) { finish(self, ids); },
      [=](requeue_atom, const message_id& id, caf::timespan delay) {
        requeue(self, id, delay);
      },
      [=](touch_atom, const message_id& id) { touch(self, id); },
      [=](wake_atom, uint64_t gen) { wake(self, gen); },
      [=](stats_atom) { return stats(self); },
      [=](empty_atom) { return empty_channel(self); },
      [=](pause_atom, bool paused) { return set_paused(self, paused); },
      [=](purge_atom) { purge(self); },
  };
}

} // namespace

caf::actor spawn_channel(caf::actor_system& sys, caf::actor topic, std::string topic_name,
                         std::string name, std::shared_ptr<const settings> cfg) {
  return sys.spawn(channel_behavior, std::move(topic), std::move(topic_name),
                   std::move(name), std::move(cfg), disk_context_ptr{}, false);
}

caf::actor spawn_channel(caf::actor_system& sys, caf::actor topic, std::string topic_name,
                         std::string name, std::shared_ptr<const settings> cfg,
                         disk_context_ptr disk, bool paused) {
  return sys.spawn(channel_behavior, std::move(topic), std::move(topic_name),
                   std::move(name), std::move(cfg), std::move(disk), paused);
}

} // namespace nsq
