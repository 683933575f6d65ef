#pragma once

// Starting the statsd pusher from the settings (reference §15.9, §14.3):
// the prefix is expanded with the broadcast address and HTTP port, the
// stats come from the same gathering as /stats, datagrams leave through a
// non-blocking UDP socket.

#include "protocol/settings.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <cstdint>
#include <memory>

namespace nsq {

/// Returns the HTTP port nsqd announces: --broadcast-http-port, or the port
/// the HTTP listener bound when that is 0.
int64_t broadcast_http_port(const settings& s, int bound_http_port);

/// Spawns the pusher when --statsd-address is set (else returns nullptr).
/// Send it an exit message at shutdown.
caf::actor start_statsd(caf::actor_system& sys, caf::actor broker,
                        std::shared_ptr<const settings> cfg, int bound_http_port,
                        int64_t start_time_ns);

} // namespace nsq
