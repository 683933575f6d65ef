#pragma once

// The Asio side of a lookupd peer (actors/lookupd_peer): one TCP client
// socket on the shared io_context, every operation on its own strand and
// bounded by a 1 s deadline (nsqd's lookupPeer: dial, read and write each
// 1 s). Results go to the peer actor as (lk_io_atom, generation, ok, data).

#include "actors/lookupd_transport.hpp"

#include <boost/asio/io_context.hpp>

#include <memory>

namespace nsq {

/// Returns the factory main() gives the lookupd coordinator.
lookupd_transport_factory make_lookupd_link_factory(boost::asio::io_context& ioc);

} // namespace nsq
