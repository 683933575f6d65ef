#pragma once

#include "bench/options.hpp"

#include <boost/asio/ip/tcp.hpp>

namespace bench {

/// Publishes like nsq's bench_writer: each connection sends one PUB/MPUB and
/// waits for its OK before the next, until --runfor (or --messages) is over;
/// optionally paced to --rate. Prints the closing line and the publish
/// round-trip percentiles. Returns the process exit code.
int run_writer(const options& opts, const boost::asio::ip::tcp::endpoint& peer);

} // namespace bench
