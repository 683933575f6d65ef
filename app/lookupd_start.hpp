#pragma once

// Wiring of nsqlookupd registration (reference §16) for main(): the
// coordinator exists before the broker (so topics restored from nsqd.dat are
// registered), and starts its peers once the listeners are bound (the
// broadcast ports default to the bound ones).

#include "actors/http_client.hpp"
#include "protocol/settings.hpp"

#include <boost/asio/io_context.hpp>
#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <string>

namespace nsq {

/// Spawns the coordinator and publishes it in `sys`'s registry.
/// `http` sends the `/channels` GETs of channel discovery.
caf::actor start_lookupd(caf::actor_system& sys, boost::asio::io_context& ioc,
                         const settings& opts, std::shared_ptr<http_client> http);

/// Makes the coordinator quit when `broker` does.
void tie_lookupd_to(const caf::actor& lookupd, const caf::actor& broker);

/// Tells the coordinator nsqd's IDENTIFY: --broadcast-address (default:
/// `hostname`) and the broadcast ports (default: the bound ones).
void announce_lookupd(const caf::actor& lookupd, const settings& opts,
                      const std::string& hostname, int tcp_port, int http_port);

} // namespace nsq
