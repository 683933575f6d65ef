#pragma once

#include "protocol/frame.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace bench {

/// One V2 client connection over Boost.Asio. Frames are parsed in place from
/// the read buffer; writes issued while frames are being dispatched are
/// coalesced into one socket write. Heartbeats are answered with NOP here.
/// Every member runs on the connection's io_context thread.
class connection : public std::enable_shared_from_this<connection> {
public:
  using frame_handler = std::function<void(nsq::frame_type, std::string_view)>;
  using close_handler = std::function<void(const std::string& why)>;

  explicit connection(boost::asio::io_context& ioc);

  /// Connects (bounded by 10 s), sends the V2 magic and `hello`, then
  /// dispatches every frame to `on_frame`; `on_close` runs once on failure or
  /// close (with an empty reason after close()).
  void start(const boost::asio::ip::tcp::endpoint& peer, std::string hello,
             frame_handler on_frame, close_handler on_close);

  /// Queues bytes for the socket.
  void send(std::string_view bytes);

  /// Closes the socket; on_close runs with an empty reason.
  void close();

  /// Returns whether the connection is still usable.
  bool open() const { return open_; }

  boost::asio::io_context& context() { return ioc_; }

private:
  void read_more();
  void dispatch();
  void flush();
  void fail(const std::string& why);

  boost::asio::io_context& ioc_;
  boost::asio::ip::tcp::socket socket_;
  boost::asio::steady_timer connect_timer_;
  frame_handler on_frame_;
  close_handler on_close_;
  std::vector<char> in_;
  size_t in_begin_ = 0;
  size_t in_end_ = 0;
  std::string pending_;
  std::string writing_;
  bool writing_now_ = false;
  bool dispatching_ = false;
  bool open_ = false;
  bool closed_reported_ = false;
};

/// Returns `IDENTIFY\n<size><json>`.
std::string identify_command(const std::string& json);

/// Returns `SUB <topic> <channel>\n`.
std::string sub_command(const std::string& topic, const std::string& channel);

} // namespace bench
