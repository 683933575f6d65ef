// A minimal NSQ producer over blocking Boost.Asio, for learning the V2
// protocol: send the magic, then `PUB <topic>\n<size><body>` for each
// message and wait for its `OK`.
//
//   example-producer <host:port> <topic> <count>
//
// Every wait is bounded (10 s), so the program cannot hang. Exit status 0
// when every message was acknowledged, 1 otherwise.

#include "examples/blocking_client.hpp"
#include "protocol/frame.hpp"

#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <optional>
#include <string>

namespace {

using example::blocking_client;
using example::size_prefix;

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
