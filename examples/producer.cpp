// A minimal NSQ producer over blocking Boost.Asio, for learning the V2
// protocol: send the magic, then `PUB <topic>\n<size><body>` for each
// message and wait for its `OK`.
//
//   example-producer <host:port> <topic> <count>
//
// Every wait is bounded (10 s), so the program cannot hang. Exit status 0
// when every message was acknowledged, 1 otherwise.

#include "protocol/frame.hpp"

#include <boost/asio.hpp>

#include <chrono>
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

constexpr auto io_timeout = std::chrono::seconds(10);

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
std::string size_prefix(size_t n) {
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i)
    out[i] = static_cast<char>((n >> (8 * (3 - i))) & 0xff);
  return out;
}

/// Waits for the answer to a command: OK, or an error (printed).
bool await_ok(blocking_client& client) {
  for (;;) {
    auto f = client.read_frame();
    if (!f)
      return false;
    if (f->type == nsq::frame_type::error) {
      std::cerr << "error from nsqd: " << f->data << "\n";
      return false;
    }
    if (f->type == nsq::frame_type::response && f->data == "_heartbeat_") {
      if (!client.send("NOP\n")) // any command tells nsqd we are alive
        return false;
      continue;
    }
    if (f->type == nsq::frame_type::response && f->data == "OK")
      return true;
    std::cerr << "unexpected frame: " << f->data << "\n";
    return false;
  }
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::cerr << "usage: " << argv[0] << " <host:port> <topic> <count>\n";
    return 1;
  }
  std::string address = argv[1];
  std::string topic = argv[2];
  auto colon = address.rfind(':');
  long count = std::strtol(argv[3], nullptr, 10);
  if (colon == std::string::npos || count < 0) {
    std::cerr << "bad address or count\n";
    return 1;
  }
  blocking_client client;
  if (!client.connect(address.substr(0, colon), address.substr(colon + 1)))
    return 1;
  if (!client.send("  V2")) // the protocol magic
    return 1;
  for (long i = 0; i < count; ++i) {
    auto body = "message " + std::to_string(i);
    if (!client.send("PUB " + topic + "\n" + size_prefix(body.size()) + body) ||
        !await_ok(client))
      return 1;
  }
  std::cout << "published " << count << " messages to " << topic << "\n";
  return 0;
}
