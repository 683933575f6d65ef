#pragma once

#include "protocol/settings.hpp"

#include <caf/fwd.hpp>

#include <memory>

namespace nsq {

/// Spawns the broker: the registry of topics (name → topic actor). It
/// answers (get_topic_atom, name) with the topic's actor, creating it on
/// first use, and forgets topics that terminate (ephemeral topics whose
/// last channel went away). An exit message stops every topic.
caf::actor spawn_broker(caf::actor_system& sys, std::shared_ptr<const settings> cfg);

} // namespace nsq
