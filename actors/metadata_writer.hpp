#pragma once

#include "storage/metadata.hpp"

#include <caf/fwd.hpp>

#include <string>

namespace nsq {

/// Spawns the detached actor that keeps `<data_path>/nsqd.dat` (§15.6): it
/// holds the broker's persistent shape, applies meta_* changes from the
/// broker, topics and channels, and rewrites the file once per burst (a
/// self-sent flush runs after the changes already in its mailbox), so file
/// I/O never runs in a delivering actor. It writes `initial` at once (nsqd
/// re-persists right after loading) and a final time when told to exit.
/// `detached` = false runs it on the scheduler (deterministic tests).
caf::actor spawn_metadata_writer(caf::actor_system& sys, std::string data_path,
                                 storage::broker_metadata initial, bool detached);

} // namespace nsq
