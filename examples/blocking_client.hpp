#pragma once

// The socket part shared by the two examples: a blocking client over Asio
// whose every operation gives up after a timeout, and the size prefix of a
// V2 body. Read producer.cpp and consumer.cpp for the protocol itself.

#include "protocol/frame.hpp"

#include <boost/asio.hpp>

#include <chrono>
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>

namespace example {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

inline constexpr auto io_timeout = std::chrono::seconds(10);

/// A socket whose every operation gives up after `io_timeout`: each one is
/// started asynchronously and the io_context runs for at most that long.
class blocking_client {
public:
  bool connect(const std::string& host, const std::string& port) {
    boost::system::error_code ec;
    auto endpoints = tcp::resolver(ioc_).resolve(host, port, ec);
    if (ec)
      return fail("resolve", ec);
    asio::async_connect(
        sock_, endpoints,
        [&](const boost::system::error_code& e, const tcp::endpoint&) { ec = e; });
    return run() && (!ec || fail("connect", ec));
  }

  bool send(const std::string& bytes) {
    boost::system::error_code ec;
    asio::async_write(sock_, asio::buffer(bytes),
                      [&](const boost::system::error_code& e, size_t) { ec = e; });
    return run() && (!ec || fail("write", ec));
  }

  /// Returns the next frame from the server, or nothing on error/timeout.
  std::optional<nsq::frame> read_frame() {
    for (;;) {
      if (auto f = reader_.next())
        return f;
      if (reader_.failed()) {
        std::cerr << "malformed frame from the server\n";
        return std::nullopt;
      }
      boost::system::error_code ec;
      size_t n = 0;
      sock_.async_read_some(asio::buffer(buf_),
                            [&](const boost::system::error_code& e, size_t k) {
                              ec = e;
                              n = k;
                            });
      if (!run() || (ec && !fail("read", ec)))
        return std::nullopt;
      reader_.feed(std::string_view(buf_, n));
    }
  }

private:
  /// Runs the pending operation; false (and the socket closed) on timeout.
  bool run() {
    ioc_.restart();
    ioc_.run_for(io_timeout);
    if (ioc_.stopped())
      return true;
    std::cerr << "timed out\n";
    sock_.close();
    ioc_.run(); // lets the cancelled operation complete
    return false;
  }

  static bool fail(const char* what, const boost::system::error_code& ec) {
    std::cerr << what << " failed: " << ec.message() << "\n";
    return false;
  }

  asio::io_context ioc_;
  tcp::socket sock_{ioc_};
  nsq::frame_reader reader_;
  char buf_[64 * 1024];
};

/// Returns the 4-byte big-endian size prefix of a body.
inline std::string size_prefix(size_t n) {
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i)
    out[i] = static_cast<char>((n >> (8 * (3 - i))) & 0xff);
  return out;
}

} // namespace example
