// statsd against the real binary: a UDP listener on a free loopback port
// receives the pushes (--statsd-interval=1s: everything at once), and the
// lines' names, types and values are checked after publishing to a topic
// with a channel (reference §15.9).
#include "e2e/http_client.hpp"
#include "e2e/nsqd_process.hpp"
#include "e2e/raw_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <regex>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <map>
#include <sstream>
#include <thread>

using namespace e2e;

namespace {

/// A UDP socket on 127.0.0.1:<free port> collecting datagrams.
class udp_listener {
public:
  udp_listener() {
    fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port_ = ntohs(a.sin_port);
  }
  udp_listener(const udp_listener&) = delete;
  udp_listener& operator=(const udp_listener&) = delete;
  ~udp_listener() { ::close(fd_); }

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  /// Receives datagrams until `done(all so far)` holds or `limit` passes;
  /// returns whether it held.
  bool receive_until(const std::function<bool(const std::vector<std::string>&)>& done,
                     std::chrono::milliseconds limit) {
    auto end = std::chrono::steady_clock::now() + limit;
    while (!done(grams)) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          end - std::chrono::steady_clock::now());
      if (left.count() <= 0)
        return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
        continue;
      char buf[65536];
      auto n = ::recv(fd_, buf, sizeof buf, 0);
      if (n > 0) {
        grams.emplace_back(buf, static_cast<size_t>(n));
        arrivals.push_back(std::chrono::steady_clock::now());
      }
    }
    return true;
  }

  std::vector<std::string> grams;
  std::vector<std::chrono::steady_clock::time_point> arrivals; ///< one per datagram

private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

/// One line `<name>:<value>|<type>`.
struct metric {
  std::string name;
  int64_t value = 0;
  char type = 0;
};

std::vector<metric> parse_lines(const std::vector<std::string>& grams) {
  static const std::regex line_re(R"(^([A-Za-z0-9_.#\-]+):(-?[0-9]+)\|([cg])$)");
  std::vector<metric> out;
  for (auto& g : grams) {
    REQUIRE(!g.empty());
    CHECK(g.back() == '\n'); // whole lines only
    std::istringstream in(g);
    std::string line;
    while (std::getline(in, line)) {
      std::smatch m;
      INFO("line: " << line);
      REQUIRE(std::regex_match(line, m, line_re));
      out.push_back({m[1], std::stoll(m[2]), m[3].str()[0]});
    }
  }
  return out;
}

/// Sum of a counter's deltas over every push so far (the total since start).
int64_t counter_total(const std::vector<metric>& ms, const std::string& name) {
  int64_t sum = 0;
  for (auto& m : ms)
    if (m.name == name && m.type == 'c')
      sum += m.value;
  return sum;
}

/// The last value of a gauge, or -1 if never sent.
int64_t last_gauge(const std::vector<metric>& ms, const std::string& name) {
  int64_t v = -1;
  for (auto& m : ms)
    if (m.name == name && m.type == 'g')
      v = m.value;
  return v;
}

std::map<std::string, char> types_of(const std::vector<metric>& ms) {
  std::map<std::string, char> out;
  for (auto& m : ms)
    out[m.name] = m.type;
  return out;
}

} // namespace

TEST_CASE("statsd: topic, channel and memory metrics reach a UDP listener") {
  udp_listener udp;
  nsqd_process nsqd{{"--statsd-address=" + udp.address(), "--statsd-interval=1s",
                     "--statsd-prefix=e2e.%s", "--statsd-udp-packet-size=120",
                     "--broadcast-address=bcast.example",
                     "--e2e-processing-latency-percentile=1.0,0.99"}};
  http_client h{nsqd.http_port()};
  auto prefix = "e2e.bcast_example_" + std::to_string(nsqd.http_port()) + ".";
  CHECK(h.request("GET", "/config/statsd_prefix").body == prefix);

  auto sub = subscriber(nsqd.port(), "sd", "ch", -1); // no RDY: messages wait
  publish(nsqd.port(), "sd", {"a", "bb", "ccc"});
  auto t = prefix + "topic.sd.";
  auto c = t + "channel.ch.";
  bool seen = udp.receive_until(
      [&](const std::vector<std::string>& grams) {
        auto ms = parse_lines(grams);
        // Memory comes last: a push is complete once its gc_runs arrived.
        return counter_total(ms, t + "message_count") == 3 &&
               last_gauge(ms, c + "depth") == 3 &&
               ms.back().name == prefix + "mem.gc_runs";
      },
      std::chrono::seconds(10));
  INFO(nsqd.log());
  REQUIRE(seen);
  auto ms = parse_lines(udp.grams);
  for (auto& g : udp.grams)
    CHECK(g.size() <= 120);
  CHECK(counter_total(ms, t + "message_bytes") == 6);
  CHECK(counter_total(ms, c + "message_count") == 3);
  CHECK(last_gauge(ms, t + "depth") == 0);
  CHECK(last_gauge(ms, c + "clients") == 1);
  CHECK(last_gauge(ms, c + "in_flight_count") == 0);
  auto types = types_of(ms);
  for (auto [name, type] :
       std::map<std::string, char>{{t + "message_count", 'c'},
                                   {t + "message_bytes", 'c'},
                                   {t + "depth", 'g'},
                                   {t + "backend_depth", 'g'},
                                   {c + "message_count", 'c'},
                                   {c + "depth", 'g'},
                                   {c + "backend_depth", 'g'},
                                   {c + "in_flight_count", 'g'},
                                   {c + "deferred_count", 'g'},
                                   {c + "requeue_count", 'c'},
                                   {c + "timeout_count", 'c'},
                                   {c + "clients", 'g'},
                                   {prefix + "mem.heap_objects", 'g'},
                                   {prefix + "mem.heap_in_use_bytes", 'g'},
                                   {prefix + "mem.gc_pause_usec_99", 'g'},
                                   {t + "e2e_processing_latency_100", 'g'},
                                   {t + "e2e_processing_latency_99", 'g'},
                                   {c + "e2e_processing_latency_100", 'g'},
                                   {c + "e2e_processing_latency_99", 'g'},
                                   {prefix + "mem.gc_runs", 'c'}}) {
    INFO(name);
    CHECK(types[name] == type);
  }
#ifndef __SANITIZE_ADDRESS__ // ASan's allocator answers mallinfo2 with zeros
  CHECK(last_gauge(ms, prefix + "mem.heap_in_use_bytes") > 0);
#endif
  // Every line carries the prefix.
  for (auto& m : ms)
    CHECK(m.name.rfind(prefix, 0) == 0);
  // The log tells where the pushes go; SIGTERM stops the pusher too.
  CHECK(nsqd.log_has("STATSD: pushing stats to " + udp.address()));
  CHECK(nsqd.stop() == 0);
  CHECK(nsqd.log().find("STATSD: closing") != std::string::npos);
}

TEST_CASE("statsd: an unreachable or invalid address is logged, nsqd keeps serving") {
  nsqd_process nsqd{{"--statsd-address=no-port-here", "--statsd-interval=1s"}};
  auto logged = [&] {
    return nsqd.log().find("failed to create UDP socket to statsd(no-port-here)") !=
           std::string::npos;
  };
  for (int i = 0; i < 50 && !logged(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(logged());
  publish(nsqd.port(), "still", {"up"});
  CHECK(nsqd.stop() == 0);
}

TEST_CASE("statsd: --statsd-mem-stats=false and --statsd-exclude-ephemeral") {
  udp_listener udp;
  nsqd_process nsqd{{"--statsd-address=" + udp.address(), "--statsd-interval=1s",
                     "--statsd-mem-stats=false", "--statsd-exclude-ephemeral"}};
  auto eph = subscriber(nsqd.port(), "sd", "ch#ephemeral", -1);
  auto keep = subscriber(nsqd.port(), "sd", "kept", -1);
  publish(nsqd.port(), "sd", {"x"});
  publish(nsqd.port(), "other#ephemeral", {"y"});
  size_t pushes_with_topic = 0;
  bool two_pushes = udp.receive_until(
      [&](const std::vector<std::string>& grams) {
        pushes_with_topic = 0;
        for (auto& m : parse_lines(grams))
          if (m.name.find("topic.sd.channel.kept.depth") != std::string::npos &&
              m.value == 1)
            ++pushes_with_topic;
        return pushes_with_topic >= 2;
      },
      std::chrono::seconds(10));
  INFO(nsqd.log());
  REQUIRE(two_pushes);
  for (auto& m : parse_lines(udp.grams)) {
    INFO(m.name);
    CHECK(m.name.find(".mem.") == std::string::npos);
    CHECK(m.name.find("ephemeral") == std::string::npos);
  }
  // The default prefix: nsq.<broadcast address>_<http port>. (hostname here).
  http_client h{nsqd.http_port()};
  auto prefix = h.request("GET", "/config/statsd_prefix").body;
  CHECK(prefix.rfind("nsq.", 0) == 0);
  CHECK(prefix.back() == '.');
  CHECK(udp.grams.front().rfind(prefix, 0) == 0);
}

TEST_CASE("statsd: one push is spread over interval - 1 s") {
  udp_listener udp;
  nsqd_process nsqd{{"--statsd-address=" + udp.address(), "--statsd-interval=2s",
                     "--statsd-udp-packet-size=64"}};
  publish(nsqd.port(), "spread", {"m"});
  // The first push that has the topic, up to its last line (memory is last).
  size_t first = 0;
  bool pushed = udp.receive_until(
      [&](const std::vector<std::string>& grams) {
        for (size_t i = 0; i < grams.size(); ++i)
          if (grams[i].find("topic.spread.message_count") != std::string::npos)
            first = i;
        return !grams.empty() && grams.back().find("mem.gc_runs") != std::string::npos &&
               grams[first].find("topic.spread.") != std::string::npos;
      },
      std::chrono::seconds(10));
  INFO(nsqd.log());
  REQUIRE(pushed);
  auto n = udp.grams.size() - first;
  REQUIRE(n >= 8); // ~20 lines at 64 bytes per datagram
  auto took = udp.arrivals.back() - udp.arrivals[first];
  // n datagrams in slots of 1 s / n: the last leaves (n - 1) / n s after the first.
  CHECK(took > std::chrono::milliseconds(600));
  CHECK(took < std::chrono::milliseconds(1500));
  for (auto& g : udp.grams)
    CHECK(g.size() <= 64);
}
