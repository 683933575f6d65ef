#pragma once

#include "bench/options.hpp"

#include <boost/asio/ip/tcp.hpp>

namespace bench {

/// A server, not a load generator: listens on `address`, parses every
/// command with the broker's own parser and answers each one `OK` from a
/// single Asio thread, with no actors, topics or queues behind it (a SUB
/// gets `E_INVALID` and the connection closes: there is nothing to
/// deliver). Timed with the writer, it is the floor of a publish row on this
/// machine: what one epoll wake-up, one read and one write per round trip
/// cost here.
/// Prints `TCP: listening on HOST:PORT` (as nsqd does) and runs until
/// SIGINT or SIGTERM.
int run_floor(const options& opts, const boost::asio::ip::tcp::endpoint& address);

} // namespace bench
