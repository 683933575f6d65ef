#pragma once

#include "bench/options.hpp"

#include <boost/asio/ip/tcp.hpp>

namespace bench {

/// Consumes like nsq's bench_reader: each connection SUBs, sends RDY --rdy and
/// FINs every message, until --runfor is over or --messages have arrived.
/// Prints the closing line and, when bodies carry send times, the end-to-end
/// latency percentiles. Returns the process exit code.
int run_reader(const options& opts, const boost::asio::ip::tcp::endpoint& peer);

} // namespace bench
