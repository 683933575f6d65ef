#pragma once

#include "actors/disk_context.hpp"
#include "actors/disk_record_batch.hpp"
#include "protocol/settings.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace nsq {

/// A topic's or channel's side of its disk queue, kept in a disk I/O actor
/// of the pool (disk_worker.hpp): opens it lazily (only when something must
/// be written, or the queue had files at startup), tracks the confirmed
/// depth, the records still being written, the reads outstanding (up to
/// `max_reads`, answered in the order sent) and the records read but not yet
/// confirmed, and retires the queue (closes its
/// files in the I/O actor) when it is empty and idle.
///
/// States: closed (no open queue) → open (first request) → closing (retired,
/// the close not yet answered; writes wait in `pending_`) → closed (or open
/// again: a full disk keeps the queue open, disk_retire_atom); and
/// finally ended (shutdown or remove: nothing is sent any more). Every
/// write callback runs exactly once: with the I/O actor's answer (a shutdown
/// waits for the answers of writes already sent, and answers writes that
/// waited for a close with the outcome of its own write, which carries
/// them), or with (0, "exiting") when the owner removes the queue first or
/// writes after the end. Records read
/// stay on disk until the owner confirms them
/// (`confirm`, sent in batches by `flush_confirms`), so a crash loses none
/// that existed only in the owner's memory. Lives in the owner's state; every
/// callback runs in the owner actor.
class disk_link {
public:
  /// stored = how many of the batch (a prefix) are on disk; error "" if all.
  using write_done = std::function<void(uint64_t stored, const std::string& error)>;
  /// records[i] has sequence number first_seq + i (what `confirm` takes).
  using read_done = std::function<void(disk_record_batch& records, uint64_t first_seq)>;
  using action = std::function<void()>;

  /// Without a context the link is disabled: nothing ever goes to disk.
  /// `owner` is the owner's actor id, `gen` its topic's (the topic's own
  /// for a topic): the I/O actor ignores them once the queue was removed.
  void init(disk_context_ptr ctx, std::shared_ptr<const settings> cfg, std::string name,
            uint64_t owner, uint64_t gen);

  bool enabled() const { return ctx_ != nullptr; }
  /// Records confirmed on disk and not yet read back.
  uint64_t depth() const { return depth_; }
  /// Records sent to the worker and not yet confirmed.
  uint64_t writing() const { return writing_; }
  bool reading() const { return reads_ > 0; }
  /// Reads sent and not yet answered (at most `max_reads`).
  unsigned reads_in_flight() const { return reads_; }
  /// Records asked for by the reads outstanding (an upper bound on what
  /// they bring back).
  uint64_t requested() const { return requested_; }
  /// Reads a link keeps on their way at once: one is read while the
  /// previous batch is delivered (read-ahead).
  static constexpr unsigned max_reads = 2;
  /// Records read and not yet confirmed.
  uint64_t unconfirmed() const { return unconfirmed_; }
  /// Whether anything is on its way to, on, or coming back from disk: new
  /// messages must then go behind it to keep the queue in order.
  bool backlog() const {
    return depth_ + writing_ > 0 || reads_ > 0 || !pending_.empty();
  }

  /// Opens the queue if it had files at startup and learns its depth;
  /// `ready` runs once it is known.
  void start(caf::event_based_actor* self, action ready);
  /// Appends `payloads` (one batch, one write call).
  void write(caf::event_based_actor* self, std::vector<std::string> payloads,
             write_done done);
  /// Takes up to n records back. Up to `max_reads` reads may be outstanding;
  /// their callbacks run in the order sent. A read answered after `empty`
  /// (or a failed I/O actor's reopening) brings nothing: those records were
  /// emptied, or are read again from the new opening.
  /// Returns false (and `done` never runs) if no read may be sent now.
  bool read(caf::event_based_actor* self, uint64_t n, read_done done);
  /// The owner no longer needs record `seq` (finished, dropped, or stored
  /// again): collected, and sent with the others by `flush_confirms`.
  void confirm(uint64_t seq);
  /// Sends the collected confirmations as one message (call once per handler).
  void flush_confirms(caf::event_based_actor* self);
  /// Drops every record on disk (§11.6).
  void empty(caf::event_based_actor* self);
  /// Deletes the queue's files (§11.5).
  void remove(caf::event_based_actor* self);
  /// Shutdown: appends `payloads`, syncs and closes; `then` runs once every
  /// write sent to the worker (this one included) is answered and its
  /// callback ran (after a retiring worker's close, if one is outstanding),
  /// after which the owner may quit. The records the owner received
  /// are released once that write succeeded (a read still on its way stays
  /// on disk), unless `keep_read`: then only those it confirmed go (the
  /// others are held by someone who may not have stored them: read again at
  /// the next start instead).
  void shutdown(caf::event_based_actor* self, std::vector<std::string> payloads,
                action then, bool keep_read = false);
  /// After `shutdown`: whether every write answered since (the shutdown's
  /// own included) stored all of its batch. False: some of what the owner
  /// held is on no disk.
  bool stored_at_end() const { return !end_failed_; }
  /// Closes the queue if it is empty and nothing is outstanding (the I/O
  /// actor keeps it open while its files cannot say what was confirmed).
  void retire_if_idle(caf::event_based_actor* self);
  /// The I/O actor holding the open queue (null when closed); for tests.
  const caf::actor& io_actor() const { return worker_; }
  /// Write callbacks not yet run.
  size_t outstanding_writes() const { return waiting_.size() + pending_.size(); }

private:
  struct pending_write {
    std::vector<std::string> payloads;
    write_done done;
  };

  caf::actor& worker(caf::event_based_actor* self);
  void forget_unconfirmed();
  /// A retiring worker kept the queue open: requests go to it again, with
  /// the same record numbers.
  void reopened(caf::event_based_actor* self, caf::actor w);
  void closed(caf::event_based_actor* self);
  /// Runs every write callback still waiting with (0, error).
  void cancel_writes(const std::string& error);
  /// Sends a shutdown's write; `answers` (batch end, callback) are the
  /// writes it carries that waited for a close.
  void put_last(caf::event_based_actor* self, std::vector<std::string> batch,
                std::vector<std::pair<uint64_t, write_done>> answers);
  /// Runs the shutdown's `then` once every write sent is answered.
  void end_if_answered();

  disk_context_ptr ctx_;
  std::shared_ptr<const settings> cfg_;
  std::string name_;
  uint64_t owner_ = 0;
  uint64_t gen_ = 0;
  caf::actor worker_;      ///< the I/O actor while the queue is open
  bool ended_ = false;     ///< shut down or removed: nothing more is sent
  bool io_failed_ = false; ///< an I/O actor died: use a private one from now on
  uint64_t next_write_ = 0;
  std::map<uint64_t, write_done> waiting_; ///< writes sent, not yet answered
  uint64_t depth_ = 0;
  uint64_t writing_ = 0;
  unsigned reads_ = 0;       ///< reads sent, not yet answered
  uint64_t requested_ = 0;   ///< records those reads asked for
  uint64_t read_epoch_ = 0;  ///< bumped by empty and by a failed I/O actor
  uint64_t unconfirmed_ = 0; ///< read, not yet confirmed by the owner
  static constexpr uint64_t seq_span = uint64_t{1} << 40; ///< numbers per worker
  uint64_t seq_base_ = 0;          ///< added to the current worker's record numbers
  uint64_t received_end_ = 0;      ///< the opening's numbers below it reached the owner
  std::vector<uint64_t> confirms_; ///< confirmed, not yet sent
  bool closing_ = false;           ///< a retiring worker is closing the files
  std::vector<pending_write> pending_; ///< writes waiting for that close
  action after_close_;                 ///< a shutdown waiting for that close
  bool keep_after_close_ = false;      ///< its keep_read
  action after_end_;                   ///< a shutdown waiting for write answers
  uint64_t last_puts_ = 0;             ///< shutdown writes not yet answered
  bool end_failed_ = false; ///< a write answered after the shutdown stored less than all
};

} // namespace nsq
