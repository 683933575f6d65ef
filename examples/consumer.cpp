// A minimal NSQ consumer over blocking Boost.Asio, for learning the V2
// protocol: magic, IDENTIFY, SUB, RDY, then read messages, FIN each one and
// answer heartbeats with NOP; finally CLS and wait for CLOSE_WAIT.
//
//   example-consumer <host:port> <topic> <channel> <count>
//
// Prints each message body on its own line. Every wait is bounded (10 s),
// so the program cannot hang. Exit status 0 after `count` messages and a
// clean CLS, 1 on any error.

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

constexpr size_t message_header = 26;

/// Handles frames that may arrive at any time: heartbeats and errors.
/// Returns true when `f` was one of them (`ok` says whether all went well).
bool housekeeping(blocking_client& client, const nsq::frame& f, bool& ok) {
  if (f.type == nsq::frame_type::error) {
    std::cerr << "error from nsqd: " << f.data << "\n";
    ok = false;
    return true;
  }
  if (f.type == nsq::frame_type::response && f.data == "_heartbeat_") {
    ok = client.send("NOP\n");
    return true;
  }
  return false;
}

/// Sends `command` and waits for its response frame (printed on error).
std::optional<std::string> request(blocking_client& client, const std::string& command) {
  if (!client.send(command))
    return std::nullopt;
  for (;;) {
    auto f = client.read_frame();
    if (!f)
      return std::nullopt;
    bool ok = true;
    if (housekeeping(client, *f, ok)) {
      if (!ok)
        return std::nullopt;
      continue;
    }
    if (f->type == nsq::frame_type::response)
      return f->data;
    std::cerr << "unexpected message frame before the response\n";
    return std::nullopt;
  }
}

/// Reads messages until `count` were printed and FINed.
bool consume(blocking_client& client, long count) {
  for (long received = 0; received < count;) {
    auto f = client.read_frame();
    if (!f)
      return false;
    bool ok = true;
    if (housekeeping(client, *f, ok)) {
      if (!ok)
        return false;
      continue;
    }
    if (f->type != nsq::frame_type::message || f->data.size() < message_header) {
      std::cerr << "unexpected frame: " << f->data << "\n";
      return false;
    }
    auto id = f->data.substr(10, 16);
    std::cout << f->data.substr(message_header) << "\n";
    if (!client.send("FIN " + id + "\n")) // done with it: nsqd forgets it
      return false;
    ++received;
  }
  return true;
}

/// Sends CLS and waits for CLOSE_WAIT (messages still in flight are skipped:
/// nsqd requeues them when we disconnect).
bool close_cleanly(blocking_client& client) {
  if (!client.send("CLS\n"))
    return false;
  for (;;) {
    auto f = client.read_frame();
    if (!f)
      return false;
    bool ok = true;
    if (housekeeping(client, *f, ok)) {
      if (!ok)
        return false;
      continue;
    }
    if (f->type == nsq::frame_type::response && f->data == "CLOSE_WAIT")
      return true;
  }
}

} // namespace

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: " << argv[0] << " <host:port> <topic> <channel> <count>\n";
    return 1;
  }
  std::string address = argv[1];
  std::string topic = argv[2];
  std::string channel = argv[3];
  auto colon = address.rfind(':');
  long count = std::strtol(argv[4], nullptr, 10);
  if (colon == std::string::npos || count < 0) {
    std::cerr << "bad address or count\n";
    return 1;
  }
  blocking_client client;
  if (!client.connect(address.substr(0, colon), address.substr(colon + 1)))
    return 1;
  if (!client.send("  V2")) // the protocol magic
    return 1;
  // With feature_negotiation, nsqd answers IDENTIFY with its settings (JSON).
  std::string identify =
      R"({"client_id":"example-consumer","hostname":"localhost","feature_negotiation":true,)"
      R"("user_agent":"caf-nsqd-example/0.1.0"})";
  auto features = request(client, "IDENTIFY\n" + size_prefix(identify.size()) + identify);
  if (!features)
    return 1;
  std::cerr << "nsqd features: " << *features << "\n";
  auto sub = request(client, "SUB " + topic + " " + channel + "\n");
  if (!sub || *sub != "OK") {
    if (sub)
      std::cerr << "unexpected SUB answer: " << *sub << "\n";
    return 1;
  }
  // RDY opens a window: nsqd may have up to 100 unFINished messages out to us.
  if (!client.send("RDY 100\n") || !consume(client, count) || !close_cleanly(client))
    return 1;
  return 0;
}
