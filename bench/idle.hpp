#pragma once

#include "bench/options.hpp"

#include <boost/asio/ip/tcp.hpp>

namespace bench {

/// Opens --connections connections (per topic×channel with --subscribe),
/// IDENTIFYs (and SUBs with RDY 1), holds them for --runfor answering
/// heartbeats, then closes them: for measuring the broker's memory per
/// connection and its idle CPU. Prints `connected: N` once all are open.
int run_idle(const options& opts, const boost::asio::ip::tcp::endpoint& peer);

} // namespace bench
