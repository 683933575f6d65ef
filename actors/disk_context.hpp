#pragma once

// What topics and channels need to keep their queues on disk: where, how,
// and whom to tell (the broker's health, the metadata writer).

#include "actors/messages.hpp"
#include "storage/status.hpp"

#include <caf/actor.hpp>
#include <caf/atom.hpp>

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

namespace nsq {

/// The disk I/O actors serving every queue (disk_worker.hpp): queue q lives
/// in actors[disk_io_index(q, actors.size())]. Shared by the disk context's
/// copies; when the last owner (broker, topic or channel) let go of it, every
/// request of theirs is in the actors' mailboxes: they are told to stop
/// after it (disk_stop_atom), so shutdown waits for no one.
struct disk_pool {
  std::vector<caf::actor> actors;
  disk_pool() = default;
  disk_pool(const disk_pool&) = delete;
  disk_pool& operator=(const disk_pool&) = delete;
  ~disk_pool();
};

/// Shared, immutable after the broker built it. A topic or channel spawned
/// without one keeps everything in memory (the actor tests of delivery).
struct disk_context {
  /// `--data-path` ("" = the current directory, as nsqd).
  std::string data_path;
  /// Queues (`topic` or `topic:channel`) that had a meta file at startup:
  /// only these open their disk queue before anything spills.
  std::set<std::string> queues_on_disk;
  /// Disk I/O actors run in their own thread (false only in deterministic tests).
  bool detached = true;
  /// Null (actor tests): each queue gets an I/O actor of its own that quits
  /// when the queue is closed.
  std::shared_ptr<const disk_pool> pool;
  /// Told each write's outcome: (health_atom, "" | error).
  caf::actor broker;
  /// Keeps nsqd.dat (metadata_writer.hpp); may be null (tests).
  caf::actor meta_writer;
  /// Tests only: every disk queue's sync_fault hook (storage/disk_queue_options.hpp).
  std::function<storage::status()> sync_fault;
};

using disk_context_ptr = std::shared_ptr<const disk_context>;

// -- owner (topic / channel) → disk I/O actor ----------------------------------
//
// Every request names its queue and carries (owner, gen): the owner's actor
// id and its topic's actor id. A removed queue (or topic) fences off the
// older owners: their later requests are answered as if cancelled
// ("exiting", no records) and never reopen the files.

/// (disk_put_atom, name, owner, gen, std::vector<std::string> payloads)
///   → (uint64_t stored, uint64_t depth, std::string error): a prefix of
///   `stored` records was appended; error "" when all were.
using disk_put_atom = caf::atom_constant<caf::atom("disk_put")>;
/// (disk_read_atom, name, owner, gen, uint64_t n) → (disk_record_batch, uint64_t
/// depth, uint64_t first_seq): up to n records (fewer past 4 MiB), oldest first,
/// numbered first_seq, first_seq + 1, ...; they stay on disk (read again after a
/// crash) until confirmed. n = 0 asks only the depth.
using disk_read_atom = caf::atom_constant<caf::atom("disk_read")>;
/// (disk_confirm_atom, name, owner, gen, std::vector<uint64_t> seqs): the owner no longer
/// needs these records (finished, or stored again); the persisted read position moves
/// past the oldest unbroken run of confirmed ones.
using disk_confirm_atom = caf::atom_constant<caf::atom("disk_conf")>;
/// (disk_commit_atom, name): self-sent after a confirm, so every confirm already
/// in the mailbox is applied before the one sync that persists them.
using disk_commit_atom = caf::atom_constant<caf::atom("disk_cmt")>;
/// (disk_release_atom, name, owner, gen, uint64_t end): shutdown, after the owner
/// wrote its memory behind the queue: confirms every record read with a sequence
/// number below `end` (those the owner received; a read still on its way to it
/// stays on disk), unless that write failed.
using disk_release_atom = caf::atom_constant<caf::atom("disk_rel")>;
/// (disk_close_atom, name, owner, gen) → bool: sync and close (an empty queue's files are
/// removed, so an idle queue leaves nothing to open at the next start).
using disk_close_atom = caf::atom_constant<caf::atom("disk_close")>;
/// (disk_retire_atom, name, owner, gen) → bool: an idle queue's owner holds
/// nothing of it: close it as disk_close does, unless what it confirmed cannot
/// be made durable (a full disk: its meta or confirm journal cannot be
/// written). Then it stays open and the answer is false: reopened from its
/// last meta it would hand out again records its owner finished.
using disk_retire_atom = caf::atom_constant<caf::atom("disk_retir")>;
/// (disk_remove_atom, name, owner, gen) → bool: delete the queue's files (a
/// topic's also removes its channels' queues) and fence off the older owners.
using disk_remove_atom = caf::atom_constant<caf::atom("disk_rm")>;
/// (disk_stop_atom): the pool is no longer referenced: quit (after every
/// request queued before).
using disk_stop_atom = caf::atom_constant<caf::atom("disk_stop")>;
/// (disk_sync_atom): self-sent every --sync-timeout: maybe_sync(now) of each
/// open queue. (empty_atom, name, owner, gen) → bool: drop every record.
using disk_sync_atom = caf::atom_constant<caf::atom("disk_sync")>;

// -- broker → topic → channel -------------------------------------------------

/// (purge_atom): deleted (§11.5): drop everything, remove the disk queue, quit.
/// A plain exit instead means shutdown: persist everything, then quit.
using purge_atom = caf::atom_constant<caf::atom("purge")>;

// -- metadata (broker / topic / channel → metadata writer) ----------------------

/// (meta_topic_atom, std::string topic, bool paused, std::vector<std::string>
/// channels, std::vector<std::string> paused_channels): the broker created
/// (or restored) a topic.
using meta_topic_atom = caf::atom_constant<caf::atom("meta_topic")>;
/// (meta_channels_atom, std::string topic, std::vector<std::string> channels):
/// the topic's non-ephemeral channels now (new ones unpaused). Ignored for a
/// topic the writer does not know (deleted meanwhile).
using meta_channels_atom = caf::atom_constant<caf::atom("meta_chans")>;
/// (meta_pause_atom, std::string topic, std::string channel, bool paused):
/// channel "" = the topic itself.
using meta_pause_atom = caf::atom_constant<caf::atom("meta_pause")>;
/// (meta_forget_atom, std::string topic): the topic was deleted.
using meta_forget_atom = caf::atom_constant<caf::atom("meta_drop")>;
/// (meta_flush_atom): self-sent; writes nsqd.dat once per burst of changes.
using meta_flush_atom = caf::atom_constant<caf::atom("meta_flush")>;

} // namespace nsq
