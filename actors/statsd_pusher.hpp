#pragma once

// The statsd pusher (reference §15.9): every --statsd-interval it opens a UDP
// socket, asks for a stats snapshot, formats it (protocol/statsd.hpp) and
// sends the datagrams spread evenly over interval − 1 s. Timing is delayed
// messages to itself; sockets come from a dialer (net/udp_sender in the
// binary, a recorder in tests), so this actor never includes net/.

#include "protocol/stats.hpp"

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/timespan.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace nsq {

/// (statsd_stats_atom, uint64_t push, std::vector<topic_stats>): the snapshot
/// asked for by push number `push`.
using statsd_stats_atom = caf::atom_constant<caf::atom("sd_stats")>;

/// One push's socket. nsqd dials per push, so a changed DNS answer is seen.
class datagram_socket {
public:
  virtual ~datagram_socket() = default;
  /// Sends one datagram without blocking; failures are ignored, as nsqd does.
  virtual void send(const std::string& datagram) = 0;
};

/// Opens a socket to `address` (`host:port`), or returns nullptr and sets
/// `err`.
using datagram_dialer = std::function<std::unique_ptr<datagram_socket>(
    const std::string& address, std::string& err)>;

/// Asks for a snapshot for push `push`; the answer must reach `to` as a
/// statsd_stats_atom message (it may come from any thread).
using stats_source = std::function<void(caf::actor to, uint64_t push)>;

struct statsd_config {
  std::string address;            ///< --statsd-address
  std::string prefix;             ///< already expanded (expand_statsd_prefix)
  caf::timespan interval;         ///< --statsd-interval
  bool mem_stats = true;          ///< --statsd-mem-stats
  bool exclude_ephemeral = false; ///< --statsd-exclude-ephemeral
  size_t packet_size = 508;       ///< --statsd-udp-packet-size
  datagram_dialer dial;
  stats_source source;
  std::function<memory_stats()> memory; ///< read at each push when mem_stats
};

struct http_context;

/// A stats_source that gathers what /stats shows (without clients: nsqd's
/// GetStats("", "", false)) from the actors named in `ctx`.
stats_source gathered_stats_source(caf::actor_system& sys,
                                   std::shared_ptr<const http_context> ctx);

/// Spawns the pusher; its first push is one interval from now. `detached`
/// gives it its own thread, so a slow DNS lookup in `dial` never holds a
/// scheduler thread (tests pass false to drive it deterministically). An
/// exit message sends what is still waiting at once, then stops it.
caf::actor spawn_statsd_pusher(caf::actor_system& sys, statsd_config cfg,
                               bool detached = true);

} // namespace nsq
