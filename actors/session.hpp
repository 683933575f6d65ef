#pragma once

#include "actors/connection.hpp"
#include "actors/http_client.hpp"
#include "protocol/settings.hpp"

#include <caf/fwd.hpp>

#include <memory>
#include <string>

namespace nsq {

/// Spawns the actor of one client connection. It receives parsed commands
/// (commands_atom) from `conn`'s reader, runs protocol V2's state machine
/// (one handler per verb), talks to topics and channels through `broker`,
/// buffers outgoing frames and writes them through `conn`, and sends
/// heartbeats. It quits when the connection closes (conn_closed_atom).
/// `remote_address` (`ip:port`, for /stats) defaults to `remote_ip`.
/// `http` sends its AUTH queries.
caf::actor spawn_session(caf::actor_system& sys, std::shared_ptr<connection> conn,
                         caf::actor broker, std::shared_ptr<const settings> cfg,
                         std::string remote_ip, std::string remote_address = {},
                         std::shared_ptr<http_client> http = nullptr);

} // namespace nsq
