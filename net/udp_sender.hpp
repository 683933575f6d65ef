#pragma once

// The statsd pusher's socket: a connected, non-blocking UDP socket, so a
// send never waits on the network (a full socket buffer drops the datagram,
// which statsd over UDP tolerates anyway).

#include "actors/statsd_pusher.hpp"

#include <memory>
#include <string>

namespace nsq {

/// Resolves `address` (`host:port`, as Go's net.Dial("udp") takes it) and
/// connects a UDP socket to the first address that works; nullptr and `err`
/// on failure. The lookup may block: the pusher runs on its own thread.
std::unique_ptr<datagram_socket> dial_udp(const std::string& address, std::string& err);

} // namespace nsq
