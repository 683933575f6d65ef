#pragma once

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include <memory>
#include <thread>
#include <vector>

namespace bench {

/// One io_context per thread; connections are spread over them round robin,
/// so each connection's handlers run on one thread and need no locks.
class io_pool {
public:
  explicit io_pool(size_t threads);
  ~io_pool();

  io_pool(const io_pool&) = delete;
  io_pool& operator=(const io_pool&) = delete;

  /// Returns the context for the `i`-th connection.
  boost::asio::io_context& context(size_t i) { return *contexts_[i % contexts_.size()]; }

  /// Stops every context and joins the threads; handlers have all returned
  /// afterwards, so their state may be read from the calling thread.
  void stop();

private:
  using guard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;
  std::vector<std::unique_ptr<boost::asio::io_context>> contexts_;
  std::vector<guard> guards_;
  std::vector<std::thread> threads_;
};

} // namespace bench
