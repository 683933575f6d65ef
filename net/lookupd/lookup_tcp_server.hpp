#pragma once

// nsqlookupd's TCP listener (--tcp-address): one lookup_tcp_connection and
// one lookup_session actor per accepted nsqd.

#include "actors/lookupd/lookup_session.hpp"
#include "net/listener.hpp"
#include "net/live_connections.hpp"
#include "net/lookupd/lookup_tcp_connection.hpp"

#include <boost/asio/io_context.hpp>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <memory>
#include <string>

namespace nsq {

class lookup_tcp_server {
public:
  lookup_tcp_server(boost::asio::io_context& ioc, caf::actor_system& sys,
                    caf::actor registry);

  std::string listen(const std::string& address);
  int port() const { return listener_.port(); }

  /// Starts accepting; IDENTIFY answers carry `me`.
  void start(std::shared_ptr<const lookup_identity> me);

  /// Stops accepting and closes every connection. Thread-safe.
  void stop();

private:
  void on_accept(boost::asio::ip::tcp::socket sock);

  caf::actor_system& sys_;
  caf::actor registry_;
  std::shared_ptr<const lookup_identity> me_;
  listener listener_;
  live_connections<lookup_tcp_connection> live_;
};

} // namespace nsq
