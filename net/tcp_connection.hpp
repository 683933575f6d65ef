#pragma once

#include "actors/connection.hpp"
#include "protocol/command_parser.hpp"
#include "protocol/settings.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <array>
#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <string>
#include <vector>

namespace nsq {

/// One accepted client socket. Reads bytes, parses them into commands and
/// hands each read's commands to the client's session actor as one batch;
/// writes what the session queues. Implements `connection` for the session:
/// every public method posts to the socket's strand, so it is thread-safe.
///
/// Ownership: the session's state holds a shared_ptr to this object, every
/// pending Asio handler holds one too, and this object holds the session's
/// handle only until the socket ends (then it sends conn_closed_atom and
/// drops the handle, breaking the cycle).
class tcp_connection : public std::enable_shared_from_this<tcp_connection>,
                       public connection {
public:
  using tcp = boost::asio::ip::tcp;

  /// Most bytes queued for a client that does not read before it is dropped.
  static constexpr size_t max_queued_bytes = 64 * 1024 * 1024;

  /// How long close() may take to flush and to wait for the client's EOF
  /// before the socket is closed anyway (bounds shutdown time).
  static constexpr std::chrono::seconds close_timeout{2};

  /// Takes `sock`, accepted with its own strand executor.
  tcp_connection(tcp::socket sock, caf::actor_system& sys, caf::actor broker,
                 std::shared_ptr<const settings> cfg);

  tcp_connection(const tcp_connection&) = delete;
  tcp_connection& operator=(const tcp_connection&) = delete;

  /// Starts reading (the session is spawned once the magic arrived).
  void start();

  void write(std::string bytes) override;
  void close() override;
  void abort() override;
  void commands_done() override;

  /// Returns the peer as `ip:port` (fixed at construction).
  const std::string& remote() const { return remote_; }

private:
  /// Phases of the socket's life, in order.
  enum class phase {
    open,      ///< reading and writing
    closing,   ///< close() requested: flushing what is queued
    lingering, ///< flushed, FIN sent: discarding input until the peer's EOF
    closed,    ///< socket closed
  };

  void do_read();
  void on_read(const boost::system::error_code& ec, size_t n);
  void on_bytes(size_t n);
  void maybe_spawn_session();
  void send_batch();
  void resume_reading();

  void do_enqueue(std::string bytes);
  void do_write();
  void on_written(const boost::system::error_code& ec);

  void do_close();
  void begin_linger();
  void do_linger_read();
  void do_abort();
  void notify_session();

  tcp::socket sock_;
  boost::asio::steady_timer close_timer_;
  caf::actor_system& sys_;
  caf::actor broker_;
  std::shared_ptr<const settings> cfg_;
  std::string remote_;    ///< ip:port, for logs
  std::string remote_ip_; ///< ip only, for the session (client_id, hostname)

  command_parser parser_;
  std::array<char, 64 * 1024> read_buf_;
  std::vector<command> batch_;
  size_t bytes_fed_ = 0; ///< until the magic is complete
  caf::actor session_;   ///< empty before the magic and after the socket ended
  bool session_spawned_ = false;
  int outstanding_ = 0;      ///< batches sent and not yet commands_done()
  bool reading_ = false;     ///< a read is pending
  bool read_paused_ = false; ///< flow control holds the next read back
  bool read_ended_ = false;  ///< EOF seen, or the parser stopped

  std::deque<std::string> out_;
  size_t out_bytes_ = 0;     ///< bytes in out_
  size_t writing_count_ = 0; ///< strings of out_ in the pending async_write

  phase phase_ = phase::open;
};

} // namespace nsq
