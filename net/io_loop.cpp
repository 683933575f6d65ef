#include "net/io_loop.hpp"

namespace nsq {

void run_io_loop(boost::asio::io_context& ioc, std::chrono::microseconds spin) {
  using clock = std::chrono::steady_clock;
  while (!ioc.stopped()) {
    if (ioc.run_one() == 0) // blocks until something is ready
      break;
    auto until = clock::now() + spin;
    while (!ioc.stopped() && clock::now() < until)
      if (ioc.poll() > 0)
        until = clock::now() + spin;
  }
}

} // namespace nsq
