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

namespace nsq {

/// Shared, immutable after the broker built it. A topic or channel spawned
/// without one keeps everything in memory (the actor tests of delivery).
struct disk_context {
  /// `--data-path` ("" = the current directory, as nsqd).
  std::string data_path;
  /// Queues (`topic` or `topic:channel`) that had a meta file at startup:
  /// only these open their disk queue before anything spills.
  std::set<std::string> queues_on_disk;
  /// Disk workers run in their own thread (false only in deterministic tests).
  bool detached = true;
  /// Told each write's outcome: (health_atom, "" | error).
  caf::actor broker;
  /// Keeps nsqd.dat (metadata_writer.hpp); may be null (tests).
  caf::actor meta_writer;
  /// Tests only: every disk queue's sync_fault hook (storage/disk_queue_options.hpp).
  std::function<storage::status()> sync_fault;
};

using disk_context_ptr = std::shared_ptr<const disk_context>;

// -- owner (topic / channel) → disk worker ------------------------------------

/// (disk_put_atom, std::vector<std::string> payloads)
///   → (uint64_t stored, uint64_t depth, std::string error): a prefix of
///   `stored` records was appended; error "" when all were.
using disk_put_atom = caf::atom_constant<caf::atom("disk_put")>;
/// (disk_read_atom, uint64_t n) → (std::vector<std::string>, uint64_t depth,
/// uint64_t first_seq): up to n records, oldest first, numbered first_seq,
/// first_seq + 1, ...; they stay on disk (read again after a crash) until
/// confirmed. n = 0 asks only the depth.
using disk_read_atom = caf::atom_constant<caf::atom("disk_read")>;
/// (disk_confirm_atom, std::vector<uint64_t> seqs): the owner no longer needs
/// these records (finished, or stored again); the persisted read position
/// moves past the oldest unbroken run of confirmed ones.
using disk_confirm_atom = caf::atom_constant<caf::atom("disk_conf")>;
/// (disk_commit_atom): self-sent after a confirm, so every confirm already
/// in the mailbox is applied before the one sync that persists them.
using disk_commit_atom = caf::atom_constant<caf::atom("disk_cmt")>;
/// (disk_release_atom): shutdown, after the owner wrote its memory behind the
/// queue: confirms every record read, unless that write failed.
using disk_release_atom = caf::atom_constant<caf::atom("disk_rel")>;
/// (disk_close_atom) → bool: sync and close (an empty queue's files are
/// removed, so an idle queue leaves nothing to open at the next start); quits.
using disk_close_atom = caf::atom_constant<caf::atom("disk_close")>;
/// (disk_remove_atom): delete the queue's files (topic/channel deleted); quits.
using disk_remove_atom = caf::atom_constant<caf::atom("disk_rm")>;
/// (disk_sync_atom): self-sent every --sync-timeout: maybe_sync(now).
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
