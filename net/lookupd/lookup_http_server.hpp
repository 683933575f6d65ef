#pragma once

// nsqlookupd's HTTP listener (--http-address): one lookup_http_connection
// per client, each on its own strand.

#include "net/listener.hpp"
#include "net/live_connections.hpp"
#include "net/lookupd/lookup_http_connection.hpp"

#include <boost/asio/io_context.hpp>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <memory>
#include <string>

namespace nsq {

class lookup_http_server {
public:
  lookup_http_server(boost::asio::io_context& ioc, caf::actor_system& sys,
                     caf::actor registry);

  std::string listen(const std::string& address);
  int port() const { return listener_.port(); }
  void start();
  /// Stops accepting and closes every connection. Thread-safe.
  void stop();

private:
  caf::actor_system& sys_;
  caf::actor registry_;
  listener listener_;
  live_connections<lookup_http_connection> live_;
};

} // namespace nsq
