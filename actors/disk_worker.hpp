#pragma once

#include "actors/disk_context.hpp"
#include "protocol/settings.hpp"

#include <caf/fwd.hpp>

#include <memory>
#include <string>

namespace nsq {

/// Spawns the worker owning disk queue `queue_name` (`topic` or
/// `topic:channel`): every read, write, fsync and file removal of that queue
/// runs in it, in its own thread when `ctx.detached`, so a slow disk stalls
/// only this queue's owner waiting for replies, never a delivering actor.
/// It answers disk_put/disk_read, syncs every --sync-timeout, reports each
/// write's outcome to the broker's health, and quits on disk_close or
/// disk_remove. A queue that fails to open answers every request with the
/// open error (the owner keeps its messages in memory and PUBs fail).
caf::actor spawn_disk_worker(caf::actor_system& sys, const disk_context& ctx,
                             const settings& cfg, std::string queue_name);

} // namespace nsq
