#pragma once

#include "protocol/settings.hpp"
#include "storage/metadata.hpp"

#include <caf/fwd.hpp>

#include <memory>
#include <set>
#include <string>

namespace nsq {

/// Spawns the broker: the registry of topics (name → topic actor). It
/// answers (get_topic_atom, name) with the topic's actor, creating it on
/// first use, and forgets topics that terminate (ephemeral topics whose
/// last channel went away). An exit message stops every topic.
caf::actor spawn_broker(caf::actor_system& sys, std::shared_ptr<const settings> cfg);

/// What a durable broker starts from (app/ reads it before serving).
struct broker_startup {
  /// `--data-path` ("" = the current directory).
  std::string data_path;
  /// nsqd.dat as loaded (names already validated); empty on a fresh start.
  storage::broker_metadata metadata;
  /// Queue names with a meta file in the data path.
  std::set<std::string> queues_on_disk;
  /// Disk workers and the metadata writer in their own threads (false in
  /// deterministic tests).
  bool detached = true;
};

/// Spawns a durable broker: topics and channels keep what exceeds memory on
/// disk, nsqd.dat follows every change (rewritten at once from `startup`),
/// topics and channels of `startup.metadata` are created (paused as saved),
/// and an exit persists every message before the actors quit.
caf::actor spawn_broker(caf::actor_system& sys, std::shared_ptr<const settings> cfg,
                        broker_startup startup);

} // namespace nsq
