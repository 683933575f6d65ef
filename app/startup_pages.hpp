#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <cstddef>

namespace nsq {

/// Drops from the process the resident pages of every loaded ELF object's
/// read-only segments (code, constants, and the symbol and relocation tables
/// the dynamic loader read in full at startup). They are clean copies of their
/// files: whatever the broker still runs faults back in from the page cache,
/// so an idle broker keeps only the pages idling uses. Writable segments
/// (data, relocated RELRO) and segments holding a private copy of any page
/// (text relocations, breakpoints) are left alone. Returns the bytes advised.
/// Measured in docs/performance.md ("Session 15").
std::size_t release_startup_pages();

/// Calls release_startup_pages() on the io thread once startup has settled.
/// Startup's last work on the workers ends within ~100 ms of the listeners
/// opening on a 2-core VM; released earlier, much of it faults back in.
class startup_pages_release {
public:
  explicit startup_pages_release(
      boost::asio::io_context& ioc,
      std::chrono::milliseconds delay = std::chrono::milliseconds(250));
  /// From any thread, before the io_context stops: a shutdown within the
  /// delay must not wait for it.
  void cancel();

private:
  boost::asio::io_context& ioc_;
  boost::asio::steady_timer timer_;
};

} // namespace nsq
