#include "actors/disk_worker.hpp"

#include "actors/confirm_window.hpp"
#include "actors/log.hpp"
#include "storage/disk_queue.hpp"
#include "storage/queue_record.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <utility>
#include <vector>

namespace nsq {

namespace {

struct disk_worker_state {
  storage::disk_queue_options options; ///< kept to retry a failed open
  std::unique_ptr<storage::disk_queue> queue;
  storage::status open_error;
  caf::actor broker;
  caf::timespan sync_timeout{std::chrono::seconds(2)};
  confirm_window window;        ///< records read, not yet confirmed by the owner
  bool last_put_failed = false; ///< a shutdown write failed: keep what was read
  bool commit_pending = false;  ///< a disk_commit is on its way to us

  static inline const char* name = "disk_worker";
};

using disk_worker_actor = caf::stateful_actor<disk_worker_state>;

storage::disk_queue_options options_of(const disk_context& ctx, const settings& cfg,
                                       std::string name) {
  storage::disk_queue_options o;
  o.directory = ctx.data_path.empty() ? "." : ctx.data_path;
  o.name = std::move(name);
  o.max_bytes_per_file =
      static_cast<uint64_t>(std::max<int64_t>(cfg.max_bytes_per_file, 1));
  o.max_record_size = storage::max_queue_record_size(
      static_cast<uint64_t>(std::max<int64_t>(cfg.max_msg_size, 0)));
  o.sync_every = static_cast<uint64_t>(std::max<int64_t>(cfg.sync_every, 1));
  o.sync_timeout = cfg.sync_timeout;
  o.log = [](std::string_view what) { log_warn("DISKQUEUE(" + std::string{what} + ")"); };
  o.sync_fault = ctx.sync_fault;
  return o;
}

/// Tells the broker each write's outcome: nsqd's health is the most recent
/// write attempt's, across every queue, so a success here must clear another
/// queue's failure (one small message per batch, not per record).
void report_health(disk_worker_actor* self, const std::string& error) {
  if (self->state.broker)
    self->send(self->state.broker, health_atom::value, error);
}

/// Reports a sync that failed after a completed write or confirm: the
/// operation stands, only health (/ping) shows the disk trouble.
void report_sync(disk_worker_actor* self) {
  auto& q = *self->state.queue;
  if (!q.sync_error().is_ok())
    report_health(self, "sync failed - " + q.sync_error().to_string());
}

/// Opens the queue (again, after a failure: the disk may be back).
bool ensure_open(disk_worker_actor* self) {
  auto& st = self->state;
  if (st.queue)
    return true;
  st.open_error = storage::disk_queue::open(st.options, st.queue);
  if (st.open_error.is_ok())
    return true;
  log_error("DISKQUEUE(" + st.options.name + ") failed to open - " +
            st.open_error.to_string());
  st.queue.reset();
  return false;
}

caf::result<uint64_t, uint64_t, std::string>
put(disk_worker_actor* self, const std::vector<std::string>& payloads) {
  auto& st = self->state;
  if (!ensure_open(self)) {
    report_health(self, st.open_error.to_string());
    return {uint64_t{0}, uint64_t{0}, st.open_error.to_string()};
  }
  size_t stored = 0;
  auto s = st.queue->put_batch(payloads, stored);
  auto error = s.is_ok() ? std::string{} : s.to_string();
  st.last_put_failed = !s.is_ok();
  if (!s.is_ok())
    log_error("DISKQUEUE(" + std::string{"write"} + ") failed - " + error);
  report_health(self, error);
  if (s.is_ok())
    report_sync(self); // stored: answered OK even if its sync failed (no retry, no dup)
  return {static_cast<uint64_t>(stored), st.queue->depth(), error};
}

/// Reads up to n records without releasing them: they stay on disk, behind
/// the persisted read position, until the owner confirms them.
caf::result<std::vector<std::string>, uint64_t, uint64_t> read(disk_worker_actor* self,
                                                               uint64_t n) {
  auto& st = self->state;
  std::vector<std::string> out;
  if (!st.queue)
    return {std::move(out), uint64_t{0}, uint64_t{0}};
  std::string_view record;
  while (out.size() < n && st.queue->depth() > 0) {
    auto s = st.queue->peek(record);
    if (s.is_ok()) {
      out.emplace_back(record);
      s = st.queue->pop();
    }
    if (s.is_not_found())
      break;
    if (!s.is_ok()) {
      log_error("DISKQUEUE read failed - " + s.to_string());
      break;
    }
  }
  auto first = st.window.add(out.size());
  return {std::move(out), st.queue->depth(), first};
}

void confirm(disk_worker_actor* self, const std::vector<uint64_t>& seqs) {
  auto& st = self->state;
  auto released = st.window.confirm(seqs);
  if (!st.queue || released == 0)
    return;
  st.queue->release(released);
  if (st.commit_pending)
    return;
  st.commit_pending = true; // group commit: behind the confirms queued meanwhile
  self->send(self, disk_commit_atom::value);
}

void commit(disk_worker_actor* self) {
  auto& st = self->state;
  st.commit_pending = false;
  if (!st.queue)
    return;
  st.queue->sync_if_due();
  report_sync(self);
}

/// Shutdown: the owner wrote what it held behind the queue, so the records it
/// read are stored twice; release them unless that write failed.
void release_all(disk_worker_actor* self) {
  auto& st = self->state;
  if (!st.queue || st.last_put_failed)
    return;
  st.queue->confirm_all();
  st.window.clear();
}

/// Closes the queue; one left empty is removed so restarts skip it.
bool close(disk_worker_actor* self) {
  auto& st = self->state;
  if (st.queue) {
    bool empty = st.queue->depth() == 0 && st.queue->unconfirmed() == 0;
    auto s = empty ? st.queue->remove() : st.queue->close();
    if (!s.is_ok())
      log_error("DISKQUEUE close failed - " + s.to_string());
    st.queue.reset();
  }
  self->quit();
  return true;
}

void remove(disk_worker_actor* self) {
  auto& st = self->state;
  if (st.queue) {
    if (auto s = st.queue->remove(); !s.is_ok())
      log_error("DISKQUEUE remove failed - " + s.to_string());
    st.queue.reset();
  }
  self->quit();
}

void tick(disk_worker_actor* self) {
  auto& st = self->state;
  if (st.queue)
    if (auto s = st.queue->maybe_sync(std::chrono::steady_clock::now()); !s.is_ok()) {
      log_error("DISKQUEUE sync failed - " + s.to_string());
      report_sync(self);
    }
  self->delayed_send(self, st.sync_timeout, disk_sync_atom::value);
}

caf::behavior disk_worker(disk_worker_actor* self, storage::disk_queue_options options,
                          caf::actor broker) {
  auto& st = self->state;
  st.broker = std::move(broker);
  st.sync_timeout = std::chrono::duration_cast<caf::timespan>(options.sync_timeout);
  if (st.sync_timeout <= caf::timespan{0})
    st.sync_timeout = std::chrono::seconds(2);
  st.options = std::move(options);
  ensure_open(self);
  self->delayed_send(self, st.sync_timeout, disk_sync_atom::value);
  return {
      [=](disk_put_atom, const std::vector<std::string>& payloads) {
        return put(self, payloads);
      },
      [=](disk_read_atom, uint64_t n) { return read(self, n); },
      [=](disk_confirm_atom, const std::vector<uint64_t>& seqs) { confirm(self, seqs); },
      [=](disk_release_atom) { release_all(self); },
      [=](disk_commit_atom) { commit(self); },
      [=](empty_atom) {
        self->state.window.clear(); // confirms of emptied records are stale
        if (self->state.queue)
          if (auto s = self->state.queue->empty(); !s.is_ok())
            log_error("DISKQUEUE empty failed - " + s.to_string());
        return true;
      },
      [=](disk_close_atom) { return close(self); },
      [=](disk_remove_atom) { remove(self); },
      [=](disk_sync_atom) { tick(self); },
  };
}

} // namespace

caf::actor spawn_disk_worker(caf::actor_system& sys, const disk_context& ctx,
                             const settings& cfg, std::string queue_name) {
  auto options = options_of(ctx, cfg, std::move(queue_name));
  if (ctx.detached)
    return sys.spawn<caf::detached>(disk_worker, std::move(options), ctx.broker);
  return sys.spawn(disk_worker, std::move(options), ctx.broker);
}

} // namespace nsq
