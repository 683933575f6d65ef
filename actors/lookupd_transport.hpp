#pragma once

// What a lookupd peer actor needs from the network, as an interface: net/
// implements it with Asio (net/lookupd_link), tests with a recorder. Every
// operation is asynchronous and answers the peer actor with
// (lk_io_atom, generation, ok, data_or_error), so the actor never blocks.

#include <caf/fwd.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace nsq {

class lookupd_transport {
public:
  virtual ~lookupd_transport() = default;

  /// Dials `address` (`host:port`) within 1 s; answers ok, or the error.
  virtual void open(const std::string& address, uint64_t generation) = 0;

  /// Writes `bytes` and reads one length-prefixed answer (each within 1 s,
  /// the answer bounded by --max-body-size); answers its data, or the error.
  virtual void exchange(std::string bytes, uint64_t generation) = 0;

  /// Closes the connection (no answer; pending operations fail quietly).
  virtual void close() = 0;
};

/// Makes the transport of one peer actor; `max_body_size` bounds answers.
using lookupd_transport_factory = std::function<std::shared_ptr<lookupd_transport>(
    caf::actor peer, int64_t max_body_size)>;

} // namespace nsq
