#pragma once

// Helpers shared by the durability tests: channel totals, HTTP requests,
// and a consumer that drains a channel and counts every body it sees.

#include "e2e/http_client.hpp"
#include "e2e/raw_client.hpp"
#include "e2e/stats_probe.hpp"

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <string>
#include <thread>

namespace e2e::durability {

using namespace e2e::probe;

/// Returns `depth + in_flight_count + deferred_count` of a channel (0 if absent).
inline int64_t channel_total(uint16_t http_port, const std::string& topic,
                             const std::string& channel) {
  auto c = channel_stats(stats(http_port), topic, channel);
  if (c.is_null())
    return 0;
  return c["depth"].get<int64_t>() + c["in_flight_count"].get<int64_t>() +
         c["deferred_count"].get<int64_t>();
}

/// Sends one HTTP request on a fresh connection.
inline http_answer http(uint16_t port, const std::string& method,
                        const std::string& target, const std::string& body = {}) {
  http_client h{port};
  return h.request(method, target, body);
}

/// What a drained channel delivered: body → number of deliveries, and the
/// attempts seen on the last delivery of each body.
struct drained {
  std::map<std::string, int> count;
  std::map<std::string, uint16_t> attempts;
  size_t total = 0;
};

/// Subscribes to `topic/channel`, FINs every message, and stops once `expected`
/// messages arrived (then listens `quiet` longer for extra deliveries) or once
/// nothing arrived for `idle`.
inline drained drain(uint16_t port, const std::string& topic, const std::string& channel,
                     size_t expected, milliseconds idle = 10s,
                     milliseconds quiet = 300ms) {
  drained out;
  auto c = subscriber(port, topic, channel, 200);
  auto take = [&](milliseconds limit) {
    frame f;
    for (;;) {
      auto status = c.try_read(f, limit);
      if (status != read_status::frame)
        return false;
      if (f.raw == heartbeat_frame) {
        c.send("NOP\n");
        continue;
      }
      break;
    }
    auto m = parse_message(f);
    ++out.count[m.body];
    out.attempts[m.body] = m.attempts;
    ++out.total;
    c.send("FIN " + m.id + "\n");
    return true;
  };
  while (out.total < expected && take(idle)) {
  }
  while (take(quiet)) {
  }
  return out;
}

/// Returns a body of `size` bytes that starts with `name` and a separator,
/// padded with a pattern derived from the name (so damage shows).
inline std::string padded_body(const std::string& name, size_t size) {
  std::string out = name + "|";
  while (out.size() < size)
    out += static_cast<char>('a' + (out.size() + name.size()) % 26);
  out.resize(size);
  return out;
}

} // namespace e2e::durability
