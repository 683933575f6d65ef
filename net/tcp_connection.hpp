#pragma once

#include "actors/connection.hpp"
#include "actors/http_client.hpp"
#include "protocol/command_parser.hpp"
#include "protocol/deflate_stream.hpp"
#include "protocol/settings.hpp"
#include "protocol/snappy_stream.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/container/deque.hpp>

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
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
  /// A last resort only: sessions keep message frames under a small window
  /// (actors/flow_control.hpp) and the write deadline closes a client that
  /// reads nothing; only responses could still pile up this far.
  static constexpr size_t max_queued_bytes = 64 * 1024 * 1024;

  /// How long close() may take to flush and to wait for the client's EOF
  /// before the socket is closed anyway (bounds shutdown time).
  static constexpr std::chrono::seconds close_timeout{2};

  /// How long the TLS server handshake of an upgrade may take (as nsqd).
  static constexpr std::chrono::seconds handshake_timeout{5};

  /// How long a closing TLS connection waits for the peer's close_notify
  /// after sending its own before the socket is closed anyway.
  static constexpr std::chrono::seconds tls_close_timeout{1};

  /// Most decoded bytes fed to the parser at once: a compressed client
  /// cannot make one read expand into unbounded memory.
  static constexpr size_t max_decoded_step = 64 * 1024;

  /// Takes `sock`, accepted with its own strand executor. `tls` is the
  /// server context for IDENTIFY tls_v1 (null when TLS is not configured).
  tcp_connection(tcp::socket sock, caf::actor_system& sys, caf::actor broker,
                 std::shared_ptr<const settings> cfg,
                 std::shared_ptr<boost::asio::ssl::context> tls = nullptr);

  tcp_connection(const tcp_connection&) = delete;
  tcp_connection& operator=(const tcp_connection&) = delete;

  /// Sets the HTTP client the session sends AUTH queries with (before start()).
  void set_http_client(std::shared_ptr<http_client> http) { http_ = std::move(http); }

  /// Starts reading (the session is spawned once the magic arrived).
  void start();

  void write(std::string bytes) override;
  void close() override;
  void abort() override;
  void commands_done() override;
  void set_write_timeout(std::chrono::milliseconds timeout) override;
  void upgrade(upgrade_plan plan) override;

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
  /// Parses plaintext bytes; returns false when reading must stop for good.
  bool feed_plain(std::string_view bytes);
  /// Reads on, unless flow control or an IDENTIFY holds the reader back.
  void continue_reading();
  /// Input ended (EOF, undecodable stream): run what was read, then close.
  void end_input();
  void do_read_some();
  /// Holds reading back until the session reports a batch done (the
  /// session posts that report only while this waits for it).
  void pause_reading();
  /// Resumes a paused reader if it may read now.
  void recheck_paused();
  /// The session finished a batch (posted by commands_done()).
  void on_commands_done();
  void maybe_spawn_session();
  void send_batch();
  void resume_reading();

  // Direct writes (the session's thread sends on the socket itself while
  // nothing is queued here; see writer_).
  /// Sends `bytes` on the calling thread if the writer is idle; false if not
  /// (nothing was sent).
  bool try_direct_write(std::string& bytes);
  /// The strand takes the writer (waits out a direct send in progress).
  void take_writer();
  /// The strand lets the session write directly again if nothing is pending.
  void maybe_release_writer();

  void do_enqueue(std::string bytes);
  /// Queues bytes that are ready for the transport (already encoded).
  void push_out(std::string bytes);
  void do_write();
  void on_written(const boost::system::error_code& ec);
  // nsqd's write deadline (tcp_connection_write_deadline.cpp).
  /// A write starts: it must finish within write_timeout_ (§7).
  void arm_write_deadline();
  /// (Re)starts the one timer that checks the pending write's start.
  void start_write_timer(std::chrono::steady_clock::duration after);
  void on_write_timer();
  void change_write_timeout(std::chrono::milliseconds timeout);
  /// Tells the session how much of what it wrote has left (flow control).
  void report_written();

  // Closing (tcp_connection_close.cpp).
  void do_close();
  void begin_linger();
  /// Ends the TCP stream after the TLS layer (if any) was shut down.
  void linger_tcp();
  void do_linger_read();
  void do_abort();
  void notify_session();

  // Upgrades (tcp_connection_upgrade.cpp).
  void do_upgrade(upgrade_plan plan);
  void maybe_start_upgrade();
  void on_handshake(const boost::system::error_code& ec);
  void install_codec();
  void finish_upgrade();
  void fail_upgrade(const std::string& why);
  /// Tells the session what the handshake negotiated (before any command
  /// read over TLS).
  void report_tls();

  // Closing a TLS connection (tcp_connection_tls_close.cpp).
  /// Sends close_notify and waits (bounded) for the peer's; then linger_tcp().
  void begin_tls_close();
  void start_tls_shutdown();
  void on_tls_shutdown(const boost::system::error_code& ec);
  bool has_codec() const { return snappy_in_ || deflate_in_; }
  /// Encodes `bytes` with the negotiated codec; false if the codec failed.
  bool encode(std::string& bytes);
  /// Decodes buffered compressed input step by step into the parser.
  void pump_decoded();
  /// Decodes one bounded step into plain_; false when the stream is dead.
  bool decode_step();

  tcp::socket sock_;
  boost::asio::steady_timer close_timer_;
  caf::actor_system& sys_;
  caf::actor broker_;
  std::shared_ptr<const settings> cfg_;
  std::shared_ptr<http_client> http_;
  std::string remote_;    ///< ip:port, for logs
  std::string remote_ip_; ///< ip only, for the session (client_id, hostname)

  command_parser parser_;
  /// Starts small and doubles after each read that filled it, up to the
  /// max: an idle connection holds 512 B instead of 64 KiB (most of the
  /// ~10 KB RSS per idle connection came from pages of the inline array).
  std::vector<char> read_buf_ = std::vector<char>(initial_read_buffer);
  bool read_filled_ = false; ///< the last read filled read_buf_: grow it
  static constexpr size_t initial_read_buffer = 512;
  static constexpr size_t max_read_buffer = 64 * 1024;
  std::vector<command> batch_;
  size_t bytes_fed_ = 0; ///< until the magic is complete
  caf::actor session_;   ///< empty before the magic and after the socket ended
  bool session_spawned_ = false;
  /// Batches sent and not yet commands_done() (the session decrements it).
  std::atomic<int> outstanding_{0};
  /// The reader is paused and waits for a commands_done(): only then does
  /// the session post one (one wake-up of the io thread less per batch).
  std::atomic<bool> needs_done_{false};
  /// A batch with an IDENTIFY is out: every commands_done() is posted until
  /// the reader resumes, so the hold ends on the strand after any upgrade()
  /// the session requested (posts arrive in order).
  std::atomic<bool> identify_out_{false};
  bool reading_ = false;     ///< a read is pending
  bool read_paused_ = false; ///< flow control holds the next read back
  bool read_ended_ = false;  ///< EOF seen, or the parser stopped

  std::shared_ptr<boost::asio::ssl::context> tls_ctx_;
  /// The TLS layer over sock_, once an IDENTIFY negotiated it.
  std::unique_ptr<boost::asio::ssl::stream<tcp::socket&>> tls_;
  /// Bounds the TLS handshake, later the wait for the peer's close_notify.
  boost::asio::steady_timer tls_timer_;
  /// TLS close: none, waiting for a pending read to be cancelled, shutting
  /// down, done (the TLS layer is no longer read).
  enum class tls_close { none, awaiting_read, shutting_down, done };
  tls_close tls_close_ = tls_close::none;
  upgrade_plan plan_;
  bool hold_reads_ = false; ///< an IDENTIFY is being processed: wait for it
  bool upgrading_ = false;  ///< upgrade() requested and not yet done
  bool upgrade_started_ = false;
  /// Frames written during an upgrade (rare: a vector allocates nothing
  /// until used, a deque ~600 B per connection at once).
  std::vector<std::string> held_;
  size_t held_bytes_ = 0;

  std::optional<snappy_encoder> snappy_out_;
  std::optional<snappy_decoder> snappy_in_;
  std::optional<deflate_encoder> deflate_out_;
  std::optional<deflate_decoder> deflate_in_;
  std::string coded_in_;      ///< compressed input not yet decoded
  bool inflate_more_ = false; ///< the inflater has more output for the same input
  std::string plain_;         ///< one decoded step

  /// Who may write to the socket: the strand (writer_strand: something is
  /// queued or being written, or the socket is not plain TCP any more), anyone
  /// (writer_idle: the session's thread sends directly, saving a post and a
  /// wake-up of the io thread per response), or a direct send in progress.
  /// out_, writing_count_, accepted_ and reported_ belong to the holder.
  enum : int { writer_strand = 0, writer_idle = 1, writer_direct = 2 };
  std::atomic<int> writer_{writer_strand};
  /// Writes posted to the strand and not yet queued: a direct write must not
  /// overtake them.
  std::atomic<int> posted_{0};
  /// close(), abort() or upgrade() was called: later writes go through the
  /// strand (dropped after a close, encoded after an upgrade).
  std::atomic<bool> no_direct_{false};

  /// Boost's deque: nothing allocated while the session writes directly.
  boost::container::deque<std::string> out_;
  size_t out_bytes_ = 0;     ///< bytes in out_
  size_t writing_count_ = 0; ///< strings of out_ in the pending async_write

  /// Bytes the session handed to write() and we queued (before any codec),
  /// and the total last reported back to it as written.
  uint64_t accepted_ = 0;
  uint64_t reported_ = 0;

  /// nsqd's write deadline: the client's heartbeat interval (<= 0: none).
  /// One timer per interval rather than one per write (a PUB round trip
  /// would pay a timer update each): when it fires it checks when the
  /// pending write started, and re-arms only while a write is pending.
  std::chrono::milliseconds write_timeout_{0};
  boost::asio::steady_timer write_timer_;
  std::chrono::steady_clock::time_point write_started_{};
  bool write_timer_armed_ = false;
  uint64_t write_timer_gen_ = 0; ///< stamps the armed wait; replaced ones are ignored

  phase phase_ = phase::open;
};

} // namespace nsq
