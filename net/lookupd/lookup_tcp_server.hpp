#pragma once

// nsqlookupd's TCP listener (--tcp-address): one lookup_tcp_connection and
// one lookup_session actor per accepted nsqd.

#include "actors/lookupd/lookup_session.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace nsq {

class lookup_tcp_connection;

class lookup_tcp_server {
public:
  using tcp = boost::asio::ip::tcp;

  lookup_tcp_server(boost::asio::io_context& ioc, caf::actor_system& sys,
                    caf::actor registry);

  std::string listen(const std::string& address);
  int port() const;

  /// Starts accepting; IDENTIFY answers carry `me`.
  void start(std::shared_ptr<const lookup_identity> me);

  /// Stops accepting and closes every connection. Thread-safe.
  void stop();

private:
  void do_accept();
  void on_accept(tcp::socket sock);

  boost::asio::io_context& ioc_;
  caf::actor_system& sys_;
  caf::actor registry_;
  std::shared_ptr<const lookup_identity> me_;
  tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_; ///< backs off after accept errors (EMFILE)
  std::mutex mtx_;                        ///< guards conns_ and stopped_
  std::vector<std::weak_ptr<lookup_tcp_connection>> conns_;
  bool stopped_ = false;
};

} // namespace nsq
