#include "actors/disk_link.hpp"

#include "actors/disk_worker.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <iterator>
#include <utility>

namespace nsq {

void disk_link::init(disk_context_ptr ctx, std::shared_ptr<const settings> cfg,
                     std::string name, uint64_t owner, uint64_t gen) {
  ctx_ = std::move(ctx);
  cfg_ = std::move(cfg);
  name_ = std::move(name);
  owner_ = owner;
  gen_ = gen;
}

caf::actor& disk_link::worker(caf::event_based_actor* self) {
  if (!worker_) {
    if (!ctx_->pool || ctx_->pool->actors.empty() || io_failed_)
      worker_ = spawn_disk_io(self->system(), disk_queue_options_of(*ctx_, *cfg_, name_),
                              ctx_->broker, ctx_->detached, true);
    else
      worker_ = ctx_->pool->actors[disk_io_index(name_, ctx_->pool->actors.size())];
    // Each opening numbers its records from 0: a stale number of a failed
    // predecessor must never confirm one of the new opening's records, and
    // a read still outstanding there brings nothing.
    seq_base_ += seq_span;
    ++read_epoch_;
    received_end_ = 0;
  }
  return worker_;
}

void disk_link::start(caf::event_based_actor* self, action ready) {
  if (!enabled() || ctx_->queues_on_disk.count(name_) == 0)
    return;
  read(self, 0, [ready = std::move(ready)](disk_record_batch&, uint64_t) { ready(); });
}

void disk_link::write(caf::event_based_actor* self, std::vector<std::string> payloads,
                      write_done done) {
  if (ended_) {
    end_failed_ = end_failed_ || !payloads.empty(); // dropped
    done(0, "exiting");
    return;
  }
  if (closing_) { // the close must be answered before the queue opens again
    writing_ += payloads.size(); // still bound for disk: not yet taken (credit)
    pending_.push_back(pending_write{std::move(payloads), std::move(done)});
    return;
  }
  auto n = static_cast<uint64_t>(payloads.size());
  writing_ += n;
  auto id = next_write_++;
  waiting_.emplace(id, std::move(done));
  auto finish = [this, n, id](uint64_t stored, const std::string& error) {
    auto it = waiting_.find(id);
    if (it == waiting_.end())
      return; // cancelled: answered "exiting" already
    auto cb = std::move(it->second);
    waiting_.erase(it);
    writing_ -= n;
    if (ended_ && (stored < n || !error.empty()))
      end_failed_ = true; // too late to keep it in memory
    cb(stored, error);
    end_if_answered(); // a shutdown may wait for this answer
  };
  auto& w = worker(self);
  auto epoch = read_epoch_;
  self->request(w, caf::infinite, disk_put_atom::value, name_, owner_, gen_,
                std::move(payloads))
      .then(
          [this, finish, epoch](uint64_t stored, uint64_t depth, std::string& error) {
            if (!ended_ && epoch == read_epoch_) // else: emptied since
              depth_ = depth;
            finish(stored, error);
          },
          [this, finish](caf::error& err) {
            worker_ = nullptr;
            io_failed_ = true;
            finish(0, "disk worker failed: " + caf::to_string(err));
          });
}

bool disk_link::read(caf::event_based_actor* self, uint64_t n, read_done done) {
  if (reads_ >= max_reads || closing_ || ended_)
    return false;
  ++reads_;
  requested_ += n;
  auto& w = worker(self);
  auto base = seq_base_;
  auto epoch = read_epoch_;
  self->request(w, caf::infinite, disk_read_atom::value, name_, owner_, gen_, n)
      .then(
          [this, done, base, epoch, n](disk_record_batch& records, uint64_t depth,
                                       uint64_t first_seq) {
            --reads_;
            requested_ -= n;
            if (ended_)
              return; // still on disk, unconfirmed: read again at the next start
            if (epoch != read_epoch_) { // emptied since (the worker dropped
              records.clear();          // them too), or from a dead opening
              done(records, 0);
              return;
            }
            depth_ = depth;
            unconfirmed_ += records.size();
            if (base == seq_base_) // still the same opening
              received_end_ = first_seq + records.size();
            done(records, base + first_seq);
          },
          [this, done, epoch, n](caf::error&) {
            --reads_;
            requested_ -= n;
            disk_record_batch none;
            if (ended_)
              return;
            if (epoch != read_epoch_) {
              done(none, 0);
              return;
            }
            // The I/O actor died: its records are still on disk (depth kept),
            // and the next request reopens the queue in a private I/O actor
            // (a dead pool actor stays dead); what it had handed out is read
            // again there.
            worker_ = nullptr;
            io_failed_ = true;
            ++read_epoch_;        // a second read to the dead actor brings nothing
            forget_unconfirmed(); // that opening's numbers mean nothing to the next
            done(none, 0);
          });
  return true;
}

void disk_link::confirm(uint64_t seq) {
  if (unconfirmed_ == 0 || seq < seq_base_)
    return; // emptied, or read from an opening that is gone
  --unconfirmed_;
  confirms_.push_back(seq - seq_base_);
}

void disk_link::flush_confirms(caf::event_based_actor* self) {
  if (confirms_.empty())
    return;
  if (worker_)
    self->send(worker_, disk_confirm_atom::value, name_, owner_, gen_,
               std::move(confirms_));
  confirms_.clear();
}

void disk_link::forget_unconfirmed() {
  unconfirmed_ = 0;
  confirms_.clear();
}

void disk_link::cancel_writes(const std::string& error) {
  auto waiting = std::move(waiting_);
  waiting_.clear();
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& [id, cb] : waiting)
    cb(0, error);
  for (auto& p : pending)
    p.done(0, error);
  writing_ = 0;
}

void disk_link::empty(caf::event_based_actor* self) {
  depth_ = 0;
  ++read_epoch_; // reads (and depths) answered from before the empty are stale
  forget_unconfirmed();
  if (worker_)
    self->send(worker_, empty_atom::value, name_, owner_, gen_);
}

void disk_link::remove(caf::event_based_actor* self) {
  if (ended_)
    return;
  depth_ = 0;
  forget_unconfirmed();
  ended_ = true;
  // Sent even with no open queue: its files may exist (a retiring close).
  if (enabled())
    self->send(worker(self), disk_remove_atom::value, name_, owner_, gen_);
  worker_ = nullptr;
  cancel_writes("exiting");
}

void disk_link::shutdown(caf::event_based_actor* self, std::vector<std::string> payloads,
                         action then, bool keep_read) {
  if (ended_) {
    then();
    return;
  }
  if (closing_) { // after the close, behind the writes waiting for it
    pending_.push_back(
        pending_write{std::move(payloads), [](uint64_t, const std::string&) {}});
    after_close_ = std::move(then);
    keep_after_close_ = keep_read;
    return;
  }
  ended_ = true;
  after_end_ = std::move(then);
  // Writes waiting for a close go first, oldest first, in the same batch;
  // each is answered by how much of that batch was stored.
  std::vector<std::pair<uint64_t, write_done>> answers; // (batch end, callback)
  std::vector<std::string> batch;
  for (auto& p : pending_) {
    std::move(p.payloads.begin(), p.payloads.end(), std::back_inserter(batch));
    answers.emplace_back(batch.size(), std::move(p.done));
  }
  pending_.clear();
  std::move(payloads.begin(), payloads.end(), std::back_inserter(batch));
  if (!batch.empty()) {
    put_last(self, std::move(batch), std::move(answers));
    // What the owner still held is in that write: release the originals it
    // received (a read still on its way to it stays on disk).
    if (!keep_read)
      self->send(worker_, disk_release_atom::value, name_, owner_, gen_, received_end_);
    else
      flush_confirms(self);
  } else {
    flush_confirms(self); // the owner held nothing: it confirmed all it read
  }
  if (worker_)
    self->send(worker_, disk_close_atom::value, name_, owner_, gen_);
  forget_unconfirmed();
  worker_ = nullptr;
  end_if_answered();
}

void disk_link::put_last(caf::event_based_actor* self, std::vector<std::string> batch,
                         std::vector<std::pair<uint64_t, write_done>> answers) {
  ++last_puts_;
  auto size = static_cast<uint64_t>(batch.size());
  auto answer = [this, size, answers = std::move(answers)](uint64_t stored,
                                                           const std::string& error) {
    if (stored < size || !error.empty())
      end_failed_ = true;
    for (auto& [end, done] : answers)
      done(std::min(stored, end), stored >= end ? std::string{} : error);
    --last_puts_;
    end_if_answered();
  };
  self->request(worker(self), caf::infinite, disk_put_atom::value, name_, owner_, gen_,
                std::move(batch))
      .then([answer](uint64_t stored, uint64_t,
                     std::string& error) { answer(stored, error); },
            [answer](caf::error& err) {
              answer(0, "disk worker failed: " + caf::to_string(err));
            });
}

void disk_link::end_if_answered() {
  if (!ended_ || !after_end_ || !waiting_.empty() || last_puts_ > 0)
    return;
  auto then = std::move(after_end_);
  after_end_ = nullptr;
  then();
}

void disk_link::retire_if_idle(caf::event_based_actor* self) {
  flush_confirms(self);
  if (!worker_ || closing_ || ended_ || depth_ > 0 || writing_ > 0 || reads_ > 0 ||
      unconfirmed_ > 0)
    return;
  closing_ = true;
  auto w = std::move(worker_);
  worker_ = nullptr;
  self->request(w, caf::infinite, disk_retire_atom::value, name_, owner_, gen_)
      .then(
          [this, self, w](bool closed_files) {
            if (!closed_files) // kept open (a full disk): still this opening
              reopened(self, w);
            closed(self);
          },
          [this, self](caf::error&) { closed(self); });
}

void disk_link::reopened(caf::event_based_actor* self, caf::actor w) {
  if (ended_) // removed meanwhile (a shutdown waits for the close instead)
    self->send(w, disk_remove_atom::value, name_, owner_, gen_);
  else
    worker_ = std::move(w);
}

void disk_link::closed(caf::event_based_actor* self) {
  closing_ = false;
  if (after_close_) { // a shutdown came meanwhile: it writes what waits
    auto then = std::move(after_close_);
    after_close_ = nullptr;
    shutdown(self, {}, std::move(then), keep_after_close_);
    return;
  }
  if (ended_)
    return;
  auto waiting = std::move(pending_);
  pending_.clear();
  for (auto& p : waiting) {
    writing_ -= p.payloads.size(); // counted again by write()
    write(self, std::move(p.payloads), std::move(p.done));
  }
}

} // namespace nsq
