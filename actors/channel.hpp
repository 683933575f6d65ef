#pragma once

#include "actors/disk_context.hpp"
#include "protocol/settings.hpp"

#include <caf/error.hpp>
#include <caf/fwd.hpp>

#include <cstdint>
#include <memory>
#include <string>

namespace nsq {

/// How a channel quits other than as told (the reason its topic's down_msg
/// carries).
enum class channel_exit : uint8_t {
  /// Its shutdown write failed: some of what it held (batches the topic
  /// forwarded included) is on no disk.
  unstored = 1,
};

caf::error make_error(channel_exit x);

/// Spawns the actor of channel `name` of topic `topic_name`. `topic` is told
/// how much of the channel's memory queue drained (flow control). The channel
/// owns its memory queue, in-flight and deferred sets (ordered by deadline,
/// one delayed wake-up for the earliest), and its consumers with their RDY
/// windows; it hands each consumer up to its free RDY in one message. An
/// ephemeral channel quits when its last consumer leaves.
caf::actor spawn_channel(caf::actor_system& sys, caf::actor topic, std::string topic_name,
                         std::string name, std::shared_ptr<const settings> cfg);

/// Spawns a durable channel: beyond --mem-queue-size its messages go to the
/// disk queue `<topic>:<channel>` (unless ephemeral) and come back in batches
/// as the memory queue runs low; `paused` as restored from nsqd.dat. A plain
/// exit persists memory, in-flight and deferred messages (shutdown), then
/// quits with the exit's reason, or with channel_exit::unstored if that
/// write failed; purge_atom drops them and removes the disk queue.
caf::actor spawn_channel(caf::actor_system& sys, caf::actor topic, std::string topic_name,
                         std::string name, std::shared_ptr<const settings> cfg,
                         disk_context_ptr disk, bool paused);

} // namespace nsq
