#pragma once

#include "protocol/settings.hpp"

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

} // namespace nsq
