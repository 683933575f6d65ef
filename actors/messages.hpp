#pragma once

// The vocabulary between actors (and from net/ into sessions): atoms,
// payload types and their inspect() overloads. Every payload is shareable
// without copying locally (message_ref / vectors of them) and serializable, so
// the same messages can later cross nodes through CAF's middleman.

#include "actors/admin_messages.hpp"
#include "actors/message_ref.hpp"
#include "protocol/command.hpp"
#include "protocol/errors.hpp"
#include "protocol/message.hpp"

#include <caf/atom.hpp>
#include <caf/fwd.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/sec.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace nsq {

/// A message handed to a consumer, with this channel's attempt count.
struct delivery {
  message_ref msg;
  uint16_t attempts = 0;
};

/// What a channel needs to know about a subscribing session.
struct consumer_info {
  int64_t msg_timeout_ms = 60000;
  int64_t sample_rate = 0;
  std::string client_id;
  std::string hostname;
  std::string user_agent;
  std::string remote_address;
};

/// What a connection's TLS handshake negotiated, for AUTH and /stats
/// (reference §9.2, §13.7).
struct tls_details {
  std::string common_name;         ///< Subject CN of the client's certificate, or ""
  uint16_t version = 0;            ///< protocol version as on the wire (0x0303 = TLS 1.2)
  uint16_t cipher_suite = 0;       ///< IANA id
  std::string negotiated_protocol; ///< ALPN, "" when none
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, message_data& x) {
  return f(caf::meta::type_name("nsq_message_data"), x.id, x.timestamp, x.body);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, delivery& x) {
  return f(caf::meta::type_name("nsq_delivery"), x.msg, x.attempts);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, consumer_info& x) {
  return f(caf::meta::type_name("nsq_consumer_info"), x.msg_timeout_ms, x.sample_rate,
           x.client_id, x.hostname, x.user_agent, x.remote_address);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tls_details& x) {
  return f(caf::meta::type_name("nsq_tls_details"), x.common_name, x.version,
           x.cipher_suite, x.negotiated_protocol);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, client_error& x) {
  return f(caf::meta::type_name("nsq_client_error"), x.code, x.text, x.fatal);
}

/// A batch read from another node is refused unless its messages lie inside
/// its buffer (operator[] does not check).
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, body_batch& x) {
  return f(caf::meta::type_name("nsq_body_batch"), x.buffer_, x.spans_,
           caf::meta::load_callback([&]() -> caf::error {
             if (x.spans_inside())
               return caf::none;
             x.clear();
             return caf::sec::invalid_argument;
           }));
}

/// A command never leaves its node (its session runs beside the
/// connection): the inline FIN/TOUCH IDs (`id`, `more_ids`) are not
/// serialized; the type is registered for its name only.
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, command& x) {
  return f(caf::meta::type_name("nsq_command"), x.name, x.params, x.body, x.messages,
           x.body_error);
}

// -- net/ → session -------------------------------------------------------

/// (commands_atom, std::vector<command>): a batch parsed from one read.
using commands_atom = caf::atom_constant<caf::atom("commands")>;
/// (conn_closed_atom): the socket is gone (EOF, error, or closed by us).
using conn_closed_atom = caf::atom_constant<caf::atom("connclosed")>;
/// (tls_up_atom, tls_details): the TLS handshake of an upgrade succeeded;
/// sent before any command read over TLS.
using tls_up_atom = caf::atom_constant<caf::atom("tls_up")>;

// -- session → broker → topic → channel -------------------------------------

/// (get_topic_atom, std::string name) → caf::actor: get-or-create a topic.
/// Replies an error if the name is invalid or the broker is stopping.
using get_topic_atom = caf::atom_constant<caf::atom("get_topic")>;
/// (get_channel_atom, std::string name) → caf::actor: get-or-create a channel.
using get_channel_atom = caf::atom_constant<caf::atom("get_chan")>;
/// (publish_atom, body_batch bodies, caf::timespan defer) → std::string:
///   empty on success, else the failure reason nsqd puts after
///   "E_PUB_FAILED PUB failed " (e.g. "exiting"). A topic also takes
///   std::vector<std::string> bodies (the embedding API; copied into a batch).
using publish_atom = caf::atom_constant<caf::atom("publish")>;

// -- topic ↔ channel --------------------------------------------------------

/// (enqueue_atom, std::vector<message_ref>, caf::timespan defer[,
/// std::vector<uint64_t> origins]): new messages copied from the topic;
/// defer > 0 puts them in the deferred set. `origins` holds (file, offset)
/// pairs: the positions in the topic's disk queue of the leading messages,
/// stored with the channel's copies (hand-off marks, docs/disk-format.md).
using enqueue_atom = caf::atom_constant<caf::atom("enqueue")>;
/// (drained_atom, uint64_t n): the channel freed n slots of its memory queue
/// (flow control: the topic forwards only while channels have room).
using drained_atom = caf::atom_constant<caf::atom("drained")>;
/// (wants_atom, bool): whether the channel wants the topic's disk records now
/// (sent when it changes; a channel starts wanting them). A channel whose
/// consumers drain its own disk backlog does not: the topic then leaves its
/// records on its disk instead of having them written and read once more.
using wants_atom = caf::atom_constant<caf::atom("ch_wants")>;

// -- session ↔ channel ------------------------------------------------------

/// (subscribe_atom, consumer_info) → std::string: empty on success, else the
/// reason after "E_SUB_FAILED SUB failed ".
using subscribe_atom = caf::atom_constant<caf::atom("subscribe")>;
/// (ready_atom, int64_t count): the consumer's RDY window.
using ready_atom = caf::atom_constant<caf::atom("ready")>;
/// (finish_atom, id_batch): FIN, batched per read (id_batch.hpp).
using finish_atom = caf::atom_constant<caf::atom("finish")>;
/// (requeue_atom, message_id, caf::timespan delay): REQ (delay already clamped).
using requeue_atom = caf::atom_constant<caf::atom("requeue")>;
/// (touch_atom, message_id): TOUCH.
using touch_atom = caf::atom_constant<caf::atom("touch")>;
/// (unsubscribe_atom): the session is leaving; its in-flight messages are
/// requeued at once (nsqd waits for their timeout; we do better).
using unsubscribe_atom = caf::atom_constant<caf::atom("unsub")>;
/// (deliver_atom, delivery_batch): up to the consumer's free RDY (delivery_batch.hpp).
using deliver_atom = caf::atom_constant<caf::atom("deliver")>;
/// (op_failed_atom, client_error): a non-fatal FIN/REQ/TOUCH failure to
/// report to the client (E_FIN_FAILED ... failed ID not in flight).
using op_failed_atom = caf::atom_constant<caf::atom("op_failed")>;

// -- timers (self-sent, generation-stamped) ---------------------------------

/// (wake_atom, uint64_t generation): a channel's earliest deadline is due.
using wake_atom = caf::atom_constant<caf::atom("wake")>;
/// (heartbeat_tick_atom, uint64_t generation): a session's heartbeat period.
using heartbeat_tick_atom = caf::atom_constant<caf::atom("hb_tick")>;
/// (flush_atom): flush the session's output buffer once its mailbox is drained.
using flush_atom = caf::atom_constant<caf::atom("flush")>;

/// Announces every payload type above with a stable name, so messages can
/// cross the middleman. Call on each actor_system_config before it is used.
void add_message_types(caf::actor_system_config& cfg);

} // namespace nsq
