#pragma once

#include "actors/disk_context.hpp"
#include "protocol/settings.hpp"
#include "storage/metadata.hpp"

#include <caf/fwd.hpp>

#include <memory>
#include <string>

namespace nsq {

/// Spawns the actor of topic `name`. It owns the topic's message-ID
/// generator, its memory queue (messages waiting for a first channel, or for
/// room in its channels) and its channels (name → channel actor). Answers
/// publish_atom and get_channel_atom; copies every message to every channel
/// in batches; an ephemeral topic quits when its last channel is gone.
caf::actor spawn_topic(caf::actor_system& sys, std::string name,
                       std::shared_ptr<const settings> cfg);

/// Spawns a durable topic: messages beyond its memory queue go to its disk
/// queue (unless ephemeral), its channels' likewise; `restored` gives the
/// paused flag and channels (with theirs) loaded from nsqd.dat. A plain exit
/// persists every queued message (shutdown); purge_atom deletes the topic.
caf::actor spawn_topic(caf::actor_system& sys, std::string name,
                       std::shared_ptr<const settings> cfg, disk_context_ptr disk,
                       storage::topic_metadata restored);

} // namespace nsq
