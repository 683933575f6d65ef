#include "actors/disk_worker.hpp"

#include "actors/confirm_window.hpp"
#include "actors/disk_record_batch.hpp"
#include "actors/log.hpp"
#include "storage/disk_queue.hpp"
#include "storage/queue_files.hpp"
#include "storage/queue_record.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <chrono>
#include <functional>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

namespace nsq {

namespace {

/// One open queue of a disk I/O actor.
struct queue_slot {
  std::unique_ptr<storage::disk_queue> queue;
  storage::status open_error;
  uint64_t owner = 0;           ///< the topic's or channel's actor id
  confirm_window window;        ///< records read, not yet confirmed by the owner
  bool last_put_failed = false; ///< a shutdown write failed: keep what was read
  bool commit_pending = false;  ///< a disk_commit is on its way to us
};

struct disk_io_state {
  storage::disk_queue_options options; ///< every queue's, but the name
  caf::actor broker;
  caf::timespan sync_timeout{std::chrono::seconds(2)};
  bool single = false;  ///< quit once the (one) queue is closed
  bool ticking = false; ///< a disk_sync is on its way to us
  std::unordered_map<std::string, queue_slot> slots;
  /// Deleted queues: requests of an owner (or of a topic) older than the
  /// deletion are stale and must never reopen the files (see `stale`).
  std::unordered_map<std::string, uint64_t> queue_fence; ///< queue → min owner
  std::unordered_map<std::string, uint64_t> topic_fence; ///< topic → min topic id

  static inline const char* name = "disk_io";
};

using disk_io_actor = caf::stateful_actor<disk_io_state>;

std::string topic_of(const std::string& queue_name) {
  return queue_name.substr(0, queue_name.find(':'));
}

bool is_topic_queue(const std::string& queue_name) {
  return queue_name.find(':') == std::string::npos;
}

/// A request from an owner deleted since (its queue, or its topic): a
/// re-created queue of the same name may own the files now.
bool stale(disk_io_actor* self, const std::string& name, uint64_t owner, uint64_t gen) {
  auto& st = self->state;
  if (auto it = st.queue_fence.find(name);
      it != st.queue_fence.end() && owner < it->second)
    return true;
  if (auto it = st.topic_fence.find(topic_of(name));
      it != st.topic_fence.end() && gen < it->second)
    return true;
  return false;
}

void report_health(disk_io_actor* self, const std::string& error) {
  if (self->state.broker)
    self->send(self->state.broker, health_atom::value, error);
}

void report_sync(disk_io_actor* self, queue_slot& s) {
  if (s.queue && !s.queue->sync_error().is_ok())
    report_health(self, "sync failed - " + s.queue->sync_error().to_string());
}

void schedule_tick(disk_io_actor* self) {
  auto& st = self->state;
  if (st.ticking)
    return;
  st.ticking = true;
  self->delayed_send(self, st.sync_timeout, disk_sync_atom::value);
}

/// Opens the queue (again, after a failure: the disk may be back).
bool ensure_open(disk_io_actor* self, const std::string& name, queue_slot& s) {
  if (s.queue)
    return true;
  auto options = self->state.options;
  options.name = name;
  s.open_error = storage::disk_queue::open(std::move(options), s.queue);
  if (s.open_error.is_ok()) {
    schedule_tick(self);
    return true;
  }
  log_error("DISKQUEUE(" + name + ") failed to open - " + s.open_error.to_string());
  s.queue.reset();
  return false;
}

/// Ok when `owner` may take the slot of `name` from an earlier owner (a
/// topic or channel of that name that died without closing): only once that
/// queue's files say what it confirmed. Reopened from a stale meta (a full
/// disk), it would hand out again records the earlier owner finished; kept,
/// it syncs at its ticks and the newcomer's requests fail as on a full disk.
storage::status take_over(disk_io_actor* self, const std::string& name, uint64_t owner) {
  auto it = self->state.slots.find(name);
  if (it == self->state.slots.end() || it->second.owner == owner || !it->second.queue ||
      it->second.queue->synced())
    return storage::status::ok();
  auto status = it->second.queue->sync();
  if (!status.is_ok()) {
    log_error("DISKQUEUE(" + name + ") kept for its earlier owner: its positions " +
              "cannot be written - " + status.to_string());
    report_sync(self, it->second);
  }
  return status;
}

/// The slot of `name` for `owner`, opened if needed. A slot still held by
/// another owner (an earlier topic or channel of that name that quit without
/// closing; `take_over` made sure its files are current) is closed first:
/// its unconfirmed records are read again.
queue_slot& slot_of(disk_io_actor* self, const std::string& name, uint64_t owner) {
  auto& slots = self->state.slots;
  auto it = slots.find(name);
  if (it != slots.end() && it->second.owner != owner) {
    if (it->second.queue)
      if (auto s = it->second.queue->close(); !s.is_ok())
        log_error("DISKQUEUE close failed - " + s.to_string());
    slots.erase(it);
    it = slots.end();
  }
  if (it == slots.end()) {
    it = slots.emplace(name, queue_slot{}).first;
    it->second.owner = owner;
  }
  ensure_open(self, name, it->second);
  return it->second;
}

/// Forgets a closed queue; a single-queue actor is done.
void forget(disk_io_actor* self, const std::string& name) {
  self->state.slots.erase(name);
  if (self->state.single && self->state.slots.empty())
    self->quit();
}

caf::result<uint64_t, uint64_t, std::string>
put(disk_io_actor* self, const std::string& name, uint64_t owner, uint64_t gen,
    const std::vector<std::string>& payloads) {
  if (stale(self, name, owner, gen))
    return {uint64_t{0}, uint64_t{0}, std::string{"exiting"}};
  if (auto status = take_over(self, name, owner); !status.is_ok())
    return {uint64_t{0}, uint64_t{0}, status.to_string()};
  auto& s = slot_of(self, name, owner);
  if (!s.queue) {
    report_health(self, s.open_error.to_string());
    return {uint64_t{0}, uint64_t{0}, s.open_error.to_string()};
  }
  size_t stored = 0;
  auto status = s.queue->put_batch(payloads, stored);
  auto error = status.is_ok() ? std::string{} : status.to_string();
  s.last_put_failed = !status.is_ok();
  if (!status.is_ok())
    log_error("DISKQUEUE(" + std::string{"write"} + ") failed - " + error);
  report_health(self, error);
  if (status.is_ok())
    report_sync(self,
                s); // stored: answered OK even if its sync failed (no retry, no dup)
  return {static_cast<uint64_t>(stored), s.queue->depth(), error};
}

/// Bytes after which a read stops early (it returns at least one record):
/// bounds the batch's allocation however large --max-msg-size is.
constexpr size_t read_bytes_cap = size_t{4} << 20;

/// Reads up to n records without releasing them: they stay on disk, behind
/// the persisted read position, until the owner confirms them.
caf::result<disk_record_batch, uint64_t, uint64_t> read(disk_io_actor* self,
                                                        const std::string& name,
                                                        uint64_t owner, uint64_t gen,
                                                        uint64_t n) {
  disk_record_batch out;
  if (stale(self, name, owner, gen))
    return {std::move(out), uint64_t{0}, uint64_t{0}};
  if (!take_over(self, name, owner).is_ok())
    return {std::move(out), uint64_t{0}, uint64_t{0}};
  auto& s = slot_of(self, name, owner);
  if (!s.queue)
    return {std::move(out), uint64_t{0}, uint64_t{0}};
  std::string_view record;
  // A topic's records leave with their position: a channel stores it with
  // its copy (its hand-off mark), so a hand-off repeated after a crash is
  // not stored twice.
  bool topic = is_topic_queue(name);
  while (out.size() < n && out.bytes.size() < read_bytes_cap && s.queue->depth() > 0) {
    auto status = s.queue->peek(record);
    if (status.is_ok())
      status = s.queue->pop(); // leaves the peeked bytes in place
    if (status.is_ok()) {
      if (topic)
        storage::append_with_origin(out.bytes, record, s.queue->last_popped());
      else
        out.bytes.append(record);
      out.end_record();
    }
    if (status.is_not_found())
      break;
    if (!status.is_ok()) {
      log_error("DISKQUEUE read failed - " + status.to_string());
      break;
    }
  }
  auto first = s.window.add(out.size());
  return {std::move(out), s.queue->depth(), first};
}

/// The open slot of `name` if `owner` holds it (no open otherwise).
queue_slot* held_slot(disk_io_actor* self, const std::string& name, uint64_t owner,
                      uint64_t gen) {
  if (stale(self, name, owner, gen))
    return nullptr;
  auto it = self->state.slots.find(name);
  if (it == self->state.slots.end() || it->second.owner != owner)
    return nullptr;
  return &it->second;
}

void confirm(disk_io_actor* self, const std::string& name, uint64_t owner, uint64_t gen,
             const std::vector<uint64_t>& seqs) {
  auto* s = held_slot(self, name, owner, gen);
  if (!s)
    return;
  auto released = s->window.confirm(seqs);
  if (!s->queue)
    return;
  s->queue->release(released);
  // FINs above an unfinished message: journaled, so a crash skips them too.
  // The window's records are the queue's oldest unconfirmed ones, released
  // in step, so its positions index the queue's (checked: a wrong record
  // skipped after a crash would be a lost message).
  uint64_t journaled = 0;
  if (s->window.outstanding() <= s->queue->unconfirmed())
    journaled = s->queue->confirm_above_floor(s->window.held_back(seqs));
  else
    log_error("DISKQUEUE(" + name + ") confirm window ahead of the queue: not journaled");
  if ((released == 0 && journaled == 0) || s->commit_pending)
    return;
  s->commit_pending = true; // group commit: behind the confirms queued meanwhile
  self->send(self, disk_commit_atom::value, name);
}

void commit(disk_io_actor* self, const std::string& name) {
  auto it = self->state.slots.find(name);
  if (it == self->state.slots.end())
    return;
  auto& s = it->second;
  s.commit_pending = false;
  if (!s.queue)
    return;
  s.queue->sync_if_due();
  report_sync(self, s);
}

/// Shutdown: the owner wrote what it held behind the queue, so the records it
/// received (numbered below `end`) are stored twice; release them unless that
/// write failed. A read it never received stays on disk for the next start.
void release_received(disk_io_actor* self, const std::string& name, uint64_t owner,
                      uint64_t gen, uint64_t end) {
  auto* s = held_slot(self, name, owner, gen);
  if (!s || !s->queue || s->last_put_failed)
    return;
  if (auto released = s->window.confirm_below(end); released > 0)
    s->queue->confirm(released);
}

bool empty(disk_io_actor* self, const std::string& name, uint64_t owner, uint64_t gen) {
  auto* s = held_slot(self, name, owner, gen);
  if (!s)
    return true;
  s->window.clear(); // confirms of emptied records are stale
  if (s->queue)
    if (auto status = s->queue->empty(); !status.is_ok())
      log_error("DISKQUEUE empty failed - " + status.to_string());
  return true;
}

/// Closes the queue; one left empty is removed so restarts skip it.
bool close(disk_io_actor* self, const std::string& name, uint64_t owner, uint64_t gen) {
  if (auto* s = held_slot(self, name, owner, gen); s && s->queue) {
    bool is_empty = s->queue->depth() == 0 && s->queue->unconfirmed() == 0;
    // A topic's positions must never start again (its channels' marks name
    // them), and a channel's mark must outlive its records: their empty
    // queues keep the meta (and an empty segment).
    bool keep = is_topic_queue(name) || s->queue->mark();
    storage::status status;
    if (is_empty && keep && s->queue->positions().write.offset > 0)
      status = s->queue->empty(); // its data goes, its positions stay
    if (status.is_ok())
      status = is_empty && !keep ? s->queue->remove() : s->queue->close();
    if (!status.is_ok())
      log_error("DISKQUEUE close failed - " + status.to_string());
    s->queue.reset();
  }
  if (!stale(self, name, owner, gen)) {
    auto it = self->state.slots.find(name);
    if (it != self->state.slots.end() && it->second.owner == owner)
      forget(self, name);
  }
  if (self->state.single && self->state.slots.empty())
    self->quit();
  return true;
}

/// Closes an idle queue, unless its files cannot say what its owner
/// confirmed (a full disk): reopened from them, it would hand those records
/// out again. Kept open, it syncs at its next tick, and the owner retires it
/// again later. Returns whether it closed.
bool retire(disk_io_actor* self, const std::string& name, uint64_t owner, uint64_t gen) {
  if (auto* s = held_slot(self, name, owner, gen); s && s->queue && !s->queue->synced())
    if (auto status = s->queue->sync(); !status.is_ok()) {
      log_error("DISKQUEUE(" + name + ") kept open: its positions cannot be written - " +
                status.to_string());
      report_sync(self, *s);
      return false;
    }
  return close(self, name, owner, gen);
}

/// Deletes one queue's files, opening it if no one did.
void remove_files(disk_io_actor* self, const std::string& name) {
  auto& slots = self->state.slots;
  auto it = slots.find(name);
  if (it == slots.end()) {
    it = slots.emplace(name, queue_slot{}).first;
    ensure_open(self, name, it->second);
  }
  if (it->second.queue)
    if (auto s = it->second.queue->remove(); !s.is_ok())
      log_error("DISKQUEUE remove failed - " + s.to_string());
  slots.erase(it);
}

/// Deletes queue `name` of `owner` (a channel, or a topic with all its
/// channels' queues): its files go, and every later request of that owner
/// (or of that topic's channels) is stale, so it can never reopen them.
bool remove(disk_io_actor* self, const std::string& name, uint64_t owner, uint64_t gen) {
  auto& st = self->state;
  if (!stale(self, name, owner, gen)) {
    st.queue_fence[name] = owner + 1;
    bool is_topic = name.find(':') == std::string::npos;
    if (is_topic) {
      st.topic_fence[name] = gen + 1;
      // Closed channel queues keep their files for their marks: those too.
      auto names = storage::list_channel_queues(st.options.directory, name);
      for (auto& [n, s] : st.slots)
        if (n.compare(0, name.size() + 1, name + ":") == 0)
          names.push_back(n);
      std::sort(names.begin(), names.end());
      names.erase(std::unique(names.begin(), names.end()), names.end());
      for (auto& n : names)
        remove_files(self, n);
    }
    remove_files(self, name);
  }
  if (st.single && st.slots.empty())
    self->quit();
  return true;
}

/// Syncs and closes every open queue, and forgets them.
void close_all(disk_io_actor* self) {
  for (auto& [name, s] : self->state.slots)
    if (s.queue)
      if (auto status = s.queue->close(); !status.is_ok())
        log_error("DISKQUEUE(" + name + ") close failed - " + status.to_string());
  self->state.slots.clear();
}

/// Every owner is gone (their last requests were processed): close what is
/// still open (nothing, after an orderly shutdown) and quit.
void stop(disk_io_actor* self) {
  close_all(self);
  self->quit();
}

/// A handler threw (an allocation failure): the actor dies, and its owners
/// reopen their queues in private I/O actors from the files. Closed (synced)
/// first, those files say what the owners confirmed; left as they were, the
/// records confirmed since the last sync would be handed out again.
caf::error on_exception(disk_io_actor* self, std::exception_ptr& e) {
  try {
    std::string what = "unknown exception";
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      what = x.what();
    } catch (...) {
    }
    log_error("disk I/O actor failed, its queues reopen elsewhere - " + what);
    close_all(self);
  } catch (...) { // failing again (memory): the files stay as after a crash
  }
  return caf::make_error(caf::sec::runtime_error);
}

void tick(disk_io_actor* self) {
  auto& st = self->state;
  st.ticking = false;
  auto now = std::chrono::steady_clock::now();
  for (auto& [name, s] : st.slots)
    if (s.queue)
      if (auto status = s.queue->maybe_sync(now); !status.is_ok()) {
        log_error("DISKQUEUE sync failed - " + status.to_string());
        report_sync(self, s);
      }
  if (!st.slots.empty())
    schedule_tick(self);
}

caf::behavior disk_io(disk_io_actor* self, storage::disk_queue_options options,
                      caf::actor broker, bool single) {
  auto& st = self->state;
  st.broker = std::move(broker);
  st.single = single;
  st.sync_timeout = std::chrono::duration_cast<caf::timespan>(options.sync_timeout);
  if (st.sync_timeout <= caf::timespan{0})
    st.sync_timeout = std::chrono::seconds(2);
  st.options = std::move(options);
  self->set_exception_handler([self](caf::scheduled_actor*, std::exception_ptr& e) {
    return on_exception(self, e);
  });
  return {
      [=](disk_put_atom, const std::string& name, uint64_t owner, uint64_t gen,
          const std::vector<std::string>& payloads) {
        return put(self, name, owner, gen, payloads);
      },
      [=](disk_read_atom, const std::string& name, uint64_t owner, uint64_t gen,
          uint64_t n) { return read(self, name, owner, gen, n); },
      [=](disk_confirm_atom, const std::string& name, uint64_t owner, uint64_t gen,
          const std::vector<uint64_t>& seqs) { confirm(self, name, owner, gen, seqs); },
      [=](disk_release_atom, const std::string& name, uint64_t owner, uint64_t gen,
          uint64_t end) { release_received(self, name, owner, gen, end); },
      [=](disk_commit_atom, const std::string& name) { commit(self, name); },
      [=](empty_atom, const std::string& name, uint64_t owner, uint64_t gen) {
        return empty(self, name, owner, gen);
      },
      [=](disk_close_atom, const std::string& name, uint64_t owner, uint64_t gen) {
        return close(self, name, owner, gen);
      },
      [=](disk_retire_atom, const std::string& name, uint64_t owner, uint64_t gen) {
        return retire(self, name, owner, gen);
      },
      [=](disk_remove_atom, const std::string& name, uint64_t owner, uint64_t gen) {
        return remove(self, name, owner, gen);
      },
      [=](disk_sync_atom) { tick(self); },
      [=](disk_stop_atom) { stop(self); },
  };
}

} // namespace

storage::disk_queue_options disk_queue_options_of(const disk_context& ctx,
                                                  const settings& cfg,
                                                  std::string queue_name) {
  storage::disk_queue_options o;
  o.directory = ctx.data_path.empty() ? "." : ctx.data_path;
  o.name = std::move(queue_name);
  o.max_bytes_per_file =
      static_cast<uint64_t>(std::max<int64_t>(cfg.max_bytes_per_file, 1));
  o.max_record_size = storage::max_queue_record_size(
      static_cast<uint64_t>(std::max<int64_t>(cfg.max_msg_size, 0)));
  o.sync_every = static_cast<uint64_t>(std::max<int64_t>(cfg.sync_every, 1));
  o.sync_timeout = cfg.sync_timeout;
  o.log = [](std::string_view what) { log_warn("DISKQUEUE(" + std::string{what} + ")"); };
  o.sync_fault = ctx.sync_fault;
  o.origin_of = storage::origin_of_record;
  return o;
}

caf::actor spawn_disk_io(caf::actor_system& sys, storage::disk_queue_options options,
                         caf::actor broker, bool detached, bool single) {
  if (detached)
    return sys.spawn<caf::detached>(disk_io, std::move(options), std::move(broker),
                                    single);
  return sys.spawn(disk_io, std::move(options), std::move(broker), single);
}

std::shared_ptr<const disk_pool> spawn_disk_pool(caf::actor_system& sys,
                                                 const disk_context& ctx,
                                                 const settings& cfg, size_t n) {
  auto pool = std::make_shared<disk_pool>();
  for (size_t i = 0; i < std::max<size_t>(n, 1); ++i)
    pool->actors.push_back(spawn_disk_io(sys, disk_queue_options_of(ctx, cfg, {}),
                                         ctx.broker, ctx.detached, false));
  return pool;
}

disk_pool::~disk_pool() {
  for (auto& a : actors)
    caf::anon_send(a, disk_stop_atom::value);
}

size_t default_disk_pool_size() {
  auto cores = static_cast<size_t>(std::thread::hardware_concurrency());
  return std::clamp<size_t>(cores * 4, 4, 8);
}

size_t disk_io_index(const std::string& queue_name, size_t pool_size) {
  if (pool_size <= 1)
    return 0;
  return std::hash<std::string>{}(topic_of(queue_name)) % pool_size;
}

} // namespace nsq
