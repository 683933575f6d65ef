#pragma once

#include "protocol/settings.hpp"

#include <caf/fwd.hpp>

#include <memory>
#include <string>

namespace nsq {

/// Spawns the actor of channel `name` of topic `topic_name`. `topic` is told
/// how much of the channel's memory queue drained (flow control). The channel
/// owns its memory queue, in-flight and deferred sets (ordered by deadline,
/// one delayed wake-up for the earliest), and its consumers with their RDY
/// windows; it hands each consumer up to its free RDY in one message. An
/// ephemeral channel quits when its last consumer leaves.
caf::actor spawn_channel(caf::actor_system& sys, caf::actor topic, std::string topic_name,
                         std::string name, std::shared_ptr<const settings> cfg);

} // namespace nsq
