#pragma once

#include <boost/asio/io_context.hpp>

#include <chrono>

namespace nsq {

/// Runs `ioc` until it stops, like `ioc.run()`, except that after handling
/// something the thread polls for up to `spin` before it blocks again: the
/// answer to what it just handed to an actor usually arrives within tens of
/// microseconds, and catching it without a sleep/wake pair (a futex or
/// eventfd wake-up costs 20-30 µs on a virtual CPU) halves a PUB round trip.
/// Idle, it blocks as before.
void run_io_loop(boost::asio::io_context& ioc, std::chrono::microseconds spin);

} // namespace nsq
