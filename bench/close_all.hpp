#pragma once

#include "bench/connection.hpp"
#include "bench/latch.hpp"

#include <boost/asio/post.hpp>

#include <chrono>
#include <memory>
#include <vector>

namespace bench {

/// Closes every connection on its own thread and waits (at most 10 s) until
/// all have, so the I/O threads can then be stopped with nothing in flight.
inline void close_all(const std::vector<std::shared_ptr<connection>>& conns) {
  auto closed = std::make_shared<latch>(static_cast<int64_t>(conns.size()));
  for (auto& c : conns)
    boost::asio::post(c->context(), [c, closed] {
      c->close();
      closed->count_down();
    });
  closed->wait_for(std::chrono::seconds(10));
}

} // namespace bench
