#pragma once

// Private to the session actor: its state and the functions its translation
// units share. Nothing outside actors/session*.cpp includes this.

#include "actors/command_backlog.hpp"
#include "actors/connection.hpp"
#include "actors/delivery_batch.hpp"
#include "actors/http_client.hpp"
#include "actors/messages.hpp"
#include "actors/output_buffer.hpp"
#include "actors/publish_credit.hpp"
#include "actors/session_channels.hpp"
#include "protocol/auth.hpp"
#include "protocol/command.hpp"
#include "protocol/commands.hpp"
#include "protocol/identify.hpp"
#include "protocol/settings.hpp"

#include <caf/actor.hpp>
#include <caf/actor_clock.hpp>
#include <caf/atom.hpp>
#include <caf/message.hpp>
#include <caf/stateful_actor.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace nsq {

/// (read_deadline_atom, uint64_t generation): the read deadline falls before
/// the next heartbeat tick; check it on time.
using read_deadline_atom = caf::atom_constant<caf::atom("rd_dline")>;
/// (sub_retry_atom, std::string topic, std::string channel): retry a SUB whose
/// ephemeral topic or channel died while we joined it.
using sub_retry_atom = caf::atom_constant<caf::atom("sub_retry")>;
/// (rdy_tick_atom, uint64_t generation): RDY slots rotate among the attached
/// channels (only while RDY < channels).
using rdy_tick_atom = caf::atom_constant<caf::atom("rdy_tick")>;

/// The V2 connection states that are reachable (reference §4); the values
/// are the ones /stats reports.
enum class session_phase : int { init = 0, subscribed = 3, closing = 4 };

/// Per-connection counters, for /stats.
struct session_counters {
  uint64_t message_count = 0; ///< messages delivered
  uint64_t finish_count = 0;
  uint64_t requeue_count = 0;
  int64_t ready_count = 0; ///< the last RDY
  int64_t in_flight = 0;   ///< delivered and not yet FIN'd or REQ'd
};

/// Write backpressure bookkeeping (session_flow.cpp), in bytes; what each
/// channel was granted and charged is in attached_channel.
struct session_flow {
  uint64_t sent = 0;    ///< handed to the connection
  uint64_t written = 0; ///< of those, reported written by the connection
  size_t next = 0;      ///< the channel first in line for the next grant
};

/// The PUB/MPUB/DPUB the session is waiting on.
struct pending_publish {
  std::string topic;
  const char* verb = "PUB";
  const char* failed_code = codes::pub_failed;
  caf::message msg; ///< (publish_atom, bodies, defer, pub_grant_atom), moved to the topic
  caf::message retry_copy; ///< kept only for ephemeral topics, which may die under us
  bool retried = false;
  uint64_t count = 0; ///< messages in this publish (for pub_counts)
};

/// A topic this connection published to, and the messages it may still send
/// it on credit (actors/publish_credit.hpp).
struct cached_topic {
  caf::actor handle;
  uint64_t credit = 0;
};

struct session_state {
  std::shared_ptr<connection> conn;
  caf::actor broker;
  std::shared_ptr<const settings> cfg;
  /// Sends AUTH queries (null: AUTH fails with "no HTTP client").
  std::shared_ptr<http_client> http;
  std::string remote;
  client_settings client;
  session_phase phase = session_phase::init;

  /// A fatal error was answered or the read deadline passed: the connection
  /// is closing, later commands and deliveries are ignored.
  bool dead = false;
  /// conn_closed arrived: quit as soon as the backlog is done.
  bool peer_gone = false;
  /// Waiting for an actor's reply: later commands wait in `batches`.
  bool busy = false;
  /// Batches not yet fully processed; the front one from `next_command` on.
  command_backlog batches;
  size_t next_command = 0;
  /// FIN IDs of the current batch, sent as one message per channel.
  std::vector<message_id> pending_fins;

  /// Set once subscribed: the local channel first, then the same channel on
  /// other cluster members (cl_attach_atom).
  session_channels channels;
  uint64_t rdy_tick_gen = 0; ///< stamps rotation ticks
  bool rdy_ticking = false;  ///< a rotation tick is on its way
  /// Topics this connection published to (name → actor), each monitored.
  std::unordered_map<std::string, cached_topic> topics;
  pending_publish pub;

  output_buffer out;
  session_flow flow;
  bool flush_scheduled = false;
  bool running_commands = false; ///< inside run_backlog: responses wait for the batch

  /// The first IDENTIFY restarted the heartbeat ticker; later ones change only
  /// the read deadline (nsqd §6.6), so they cannot pile up timers.
  bool identified = false;
  /// The interval the running heartbeat ticker was started with (ms, <= 0 off).
  int64_t ticker_interval_ms = 0;

  /// An IDENTIFY asked the connection to upgrade (TLS and/or compression).
  bool upgraded = false;
  /// The connection runs TLS (commands after the upgrade arrive over it).
  bool tls = false;
  /// What the TLS handshake negotiated, once the connection reported it.
  std::optional<tls_details> tls_info;

  uint64_t heartbeat_gen = 0; ///< stamps ticks; bumped when the ticker restarts
  caf::actor_clock::time_point last_command{};

  session_counters counters;

  /// AUTH (§9): the secret (re-sent when the grant expires), the grant (null
  /// before a successful AUTH) and when it expires.
  std::string auth_secret;
  std::shared_ptr<const auth_grant> auth;
  caf::actor_clock::time_point auth_expires{};

  // For /stats (client and producer entries).
  std::string remote_address;                 ///< ip:port
  int64_t connect_ts = 0;                     ///< Unix seconds
  std::map<std::string, uint64_t> pub_counts; ///< topic → messages published

  static inline const char* name = "session";
};

using session_actor = caf::stateful_actor<session_state>;

// -- output (session_output.cpp) ---------------------------------------------

/// Appends a response frame and flushes it soon.
void respond(session_actor* self, std::string_view data);
/// Appends a non-fatal error frame, or answers a fatal one and closes.
void answer_error(session_actor* self, const client_error& err);
/// Appends the message frames of `batch`.
void deliver(session_actor* self, delivery_batch& batch);
/// Writes the whole buffer to the connection now.
void flush(session_actor* self);
/// Flushes when the buffer is full, else makes sure a flush_atom is on its way.
void flush_soon(session_actor* self);

// -- write backpressure (session_flow.cpp) --------------------------------------

/// Subscribed to `c`: the channel gave the new consumer a full window of credit.
void start_credit(attached_channel& c);
/// Counts bytes handed to the connection.
void count_written_to_conn(session_state& st, size_t bytes);
/// The connection wrote the first `total` bytes: grant the channel room.
void on_written(session_actor* self, uint64_t total);

// -- attached channels (session_attach.cpp) ----------------------------------------

/// The local SUB succeeded: `channel` is the session's first channel.
/// Also asks the broker for the same channel on other members (cl_sub_atom).
void attach_local(session_actor* self, const caf::actor& channel,
                  const std::string& topic, const std::string& channel_name);
/// (cl_attach_atom): subscribes to another member's channel.
void attach_remote(session_actor* self, const std::string& member,
                   const caf::actor& channel);
/// An attached channel went down: true if it was one (and is detached).
bool detach_channel(session_actor* self, const caf::actor_addr& who);
/// (cl_detach_atom): unsubscribes from and detaches the channels of
/// `member` (it lost us), as if they had gone down.
void detach_member(session_actor* self, const std::string& member);
/// Sends each channel its RDY share for the client's RDY (rebalance);
/// `resend`: also the unchanged ones (after the client's RDY or CLS).
void apply_ready(session_actor* self, bool resend = false);
/// A FIN or REQ freed an RDY slot: a channel held back may get it now.
void after_ack(session_actor* self);
/// A rotation period passed (rdy_tick_atom).
void on_rdy_tick(session_actor* self, uint64_t gen);
/// (released_atom, ids) from a channel: they timed out or were dropped.
void on_released(session_actor* self, const std::vector<message_id>& ids);
/// Leaving: every attached channel requeues our in-flight messages.
void unsubscribe_all(session_actor* self);

// -- heartbeats (session_heartbeat.cpp) ---------------------------------------

/// (Re)starts the heartbeat ticker with the client's interval (none if disabled).
void start_heartbeat(session_actor* self);
/// One heartbeat period passed: check the read deadline, send `_heartbeat_`.
void on_heartbeat_tick(session_actor* self, uint64_t gen);
/// The read deadline may have passed between two ticks.
void on_read_deadline(session_actor* self, uint64_t gen);

// -- commands (session_commands.cpp, session_async.cpp) -----------------------

/// Runs one command: state check, validation, effect, answer.
void handle_command(session_actor* self, command&& cmd);
/// Sends the FIN IDs collected so far to the channel.
void send_pending_fins(session_actor* self);
/// SUB after its checks: joins topic and channel (async; the session is busy).
void subscribe(session_actor* self, std::string topic, std::string channel,
               bool may_retry);
/// What this session tells a channel it subscribes to.
consumer_info consumer_of(const session_state& st);
/// PUB/MPUB/DPUB after validation (async; the session is busy).
void publish(session_actor* self, const char* verb, const char* failed_code,
             publish_args&& args);
/// A FIN/REQ/TOUCH failed in the channel: report it, keep the connection.
void on_op_failed(session_actor* self, const client_error& err);
/// (pub_grant_atom, n) from a topic: n more messages may go on credit.
void on_pub_grant(session_actor* self, uint64_t n);
/// (pub_revoke_atom) from a topic: give all its credit back.
void on_pub_revoke(session_actor* self);
/// A topic or channel we monitor terminated.
void on_down(session_actor* self, const caf::down_msg& msg);

// -- auth (session_auth.cpp) -----------------------------------------------------

/// AUTH after its state, line and body checks: `E_INVALID AUTH already set`,
/// `E_AUTH_DISABLED`, else asks the auth servers (async; the session is busy).
void authenticate(session_actor* self, std::string secret);
/// nsqd's CheckAuth (§9.4) for `verb` on `topic`/`channel` ("" = publish):
/// runs `then` at once when auth is off or the grant allows it; re-asks the
/// auth servers first when the grant expired (async; busy); else answers
/// E_AUTH_FIRST, E_AUTH_FAILED or E_UNAUTHORIZED.
void authorize(session_actor* self, const char* verb, const std::string& topic,
               const std::string& channel, std::function<void()> then);

// -- stats (session_stats.cpp) ---------------------------------------------------

/// Returns this connection's /stats entry.
client_stats stats_of(const session_state& st);

// -- backlog (session.cpp) -----------------------------------------------------

/// Processes queued commands until the session is busy or the backlog is empty.
void run_backlog(session_actor* self);
/// The reply the session waited for arrived: continue with the backlog.
void done_waiting(session_actor* self);

} // namespace nsq
