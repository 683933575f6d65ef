#pragma once

#include "actors/disk_context.hpp"
#include "protocol/settings.hpp"
#include "storage/disk_queue_options.hpp"

#include <caf/fwd.hpp>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

namespace nsq {

/// The options of disk queue `queue_name` (`topic` or `topic:channel`).
storage::disk_queue_options disk_queue_options_of(const disk_context& ctx,
                                                  const settings& cfg,
                                                  std::string queue_name);

/// Spawns one disk I/O actor: it owns the `storage::disk_queue` of every
/// queue assigned to it (by `disk_io_index`), opens each at its first
/// request and closes it on disk_close / disk_remove. Every read, write,
/// fsync and file removal of those queues runs in it, in its own thread when
/// `detached`, so a slow disk stalls only the owners waiting for its replies
/// (and the other queues sharing this actor), never a delivering actor. It
/// answers disk_put/disk_read, syncs its open queues every --sync-timeout
/// and reports each write's outcome to `broker`. A queue that fails to open
/// answers every request with the open error (the owner keeps its messages
/// in memory and PUBs fail). `options` is every queue's options but the name.
/// With `single`, the actor serves one queue and quits once it is closed or
/// removed (a disk context without a pool: the deterministic actor tests).
caf::actor spawn_disk_io(caf::actor_system& sys, storage::disk_queue_options options,
                         caf::actor broker, bool detached, bool single);

/// The pool actors of a disk context: `n` detached (or not) disk I/O actors.
std::shared_ptr<const disk_pool> spawn_disk_pool(caf::actor_system& sys,
                                                 const disk_context& ctx,
                                                 const settings& cfg, size_t n);

/// The pool size for this machine: 4 per core, at least 4, at most 8. The
/// actors mostly wait in fsync, so their number is the I/O concurrency, not
/// the CPU use (docs/architecture.md, Durability).
size_t default_disk_pool_size();

/// Which pool actor owns queue `queue_name`: chosen by the hash of its
/// topic's name, so a topic and its channels share one actor, and the
/// removal of a deleted queue is always processed before a re-created
/// queue of the same name opens its files.
size_t disk_io_index(const std::string& queue_name, size_t pool_size);

} // namespace nsq
