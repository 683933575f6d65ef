#include "bench/io_pool.hpp"

namespace bench {

io_pool::io_pool(size_t threads) {
  if (threads == 0)
    threads = 1;
  for (size_t i = 0; i < threads; ++i) {
    contexts_.push_back(std::make_unique<boost::asio::io_context>(1));
    guards_.push_back(boost::asio::make_work_guard(*contexts_.back()));
  }
  for (auto& ctx : contexts_)
    threads_.emplace_back([c = ctx.get()] { c->run(); });
}

io_pool::~io_pool() {
  stop();
}

void io_pool::stop() {
  guards_.clear();
  for (auto& ctx : contexts_)
    ctx->stop();
  for (auto& t : threads_)
    if (t.joinable())
      t.join();
}

} // namespace bench
