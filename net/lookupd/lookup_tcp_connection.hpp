#pragma once

// One nsqd→nsqlookupd TCP connection on its own strand: decodes the bytes
// with lookup_parser and forwards each event to the connection's
// lookup_session actor; writes what the session answers.

#include "actors/lookupd/lookup_io.hpp"
#include "protocol/lookup_parser.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <caf/actor.hpp>

#include <array>
#include <deque>
#include <functional>
#include <memory>
#include <string>

namespace nsq {

class lookup_tcp_connection : public lookup_io,
                              public std::enable_shared_from_this<lookup_tcp_connection> {
public:
  using tcp = boost::asio::ip::tcp;

  explicit lookup_tcp_connection(tcp::socket sock);
  ~lookup_tcp_connection() override;

  /// Runs `f` when the connection is destroyed (its listener forgets it
  /// then); set before start().
  void on_destroyed(std::function<void()> f) { on_destroyed_ = std::move(f); }

  /// The peer id: `ip:port` (`[ip]:port` for IPv6) of the remote end.
  std::string peer_id() const;

  /// Starts reading for `session`.
  void start(caf::actor session);

  void write(std::string bytes) override;
  void close() override;
  void resume() override;

  /// Closes at once (shutdown). Thread-safe.
  void abort();

private:
  void do_read();
  void on_read(const boost::system::error_code& ec, size_t n);
  void forward(std::vector<lookup_event>& events);
  void do_write();
  void do_close();

  tcp::socket sock_;
  caf::actor session_;
  lookup_parser parser_;
  std::array<char, 16 * 1024> inbuf_;
  static constexpr size_t max_queued = 256 * 1024; ///< answer bytes before reads pause
  std::deque<std::string> outq_;
  size_t queued_ = 0;        ///< bytes in outq_
  bool read_paused_ = false; ///< resume() found outq_ over max_queued
  bool closing_ = false;     ///< close once outq_ is flushed
  bool closed_ = false;
  bool eof_ = false;
  std::function<void()> on_destroyed_;
};

} // namespace nsq
