#pragma once

// nsqlookupd's HTTP listener (--http-address): one lookup_http_connection
// per client, each on its own strand.

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

class lookup_http_connection;

class lookup_http_server {
public:
  using tcp = boost::asio::ip::tcp;

  lookup_http_server(boost::asio::io_context& ioc, caf::actor_system& sys,
                     caf::actor registry);

  std::string listen(const std::string& address);
  int port() const;
  void start();
  /// Stops accepting and closes every connection. Thread-safe.
  void stop();

private:
  void do_accept();

  boost::asio::io_context& ioc_;
  caf::actor_system& sys_;
  caf::actor registry_;
  tcp::acceptor acceptor_;
  boost::asio::steady_timer retry_timer_;
  std::mutex mtx_; ///< guards conns_ and stopped_
  std::vector<std::weak_ptr<lookup_http_connection>> conns_;
  bool stopped_ = false;
};

} // namespace nsq
