#pragma once

// The vocabulary of the HTTP API's questions to the actors: stats gathering
// and administration (create/find/delete/empty/pause), with inspect()
// overloads for the stats values of protocol/stats.hpp.

#include "protocol/quantiles.hpp"
#include "protocol/stats.hpp"

#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>

namespace nsq {

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, percentile_value& x) {
  return f(caf::meta::type_name("nsq_percentile"), x.quantile, x.value);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, latency_stats& x) {
  return f(caf::meta::type_name("nsq_latency_stats"), x.configured, x.count,
           x.percentiles);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, latency_samples& x) {
  return f(caf::meta::type_name("nsq_latency_samples"), x.count, x.samples);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, pub_count& x) {
  return f(caf::meta::type_name("nsq_pub_count"), x.topic, x.count);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, client_stats& x) {
  return f(caf::meta::type_name("nsq_client_stats"), x.client_id, x.hostname,
           x.remote_address, x.state, x.ready_count, x.in_flight_count, x.message_count,
           x.finish_count, x.requeue_count, x.connect_ts, x.sample_rate, x.deflate,
           x.snappy, x.user_agent, x.authed, x.auth_identity, x.auth_identity_url,
           x.pub_counts, x.tls, x.tls_cipher_suite, x.tls_version,
           x.tls_negotiated_protocol, x.tls_negotiated_protocol_is_mutual);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, channel_stats& x) {
  return f(caf::meta::type_name("nsq_channel_stats"), x.channel_name, x.depth,
           x.backend_depth, x.in_flight_count, x.deferred_count, x.message_count,
           x.requeue_count, x.timeout_count, x.client_count, x.clients_included,
           x.clients, x.paused, x.e2e);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, topic_stats& x) {
  return f(caf::meta::type_name("nsq_topic_stats"), x.topic_name, x.channels, x.depth,
           x.backend_depth, x.message_count, x.message_bytes, x.paused, x.e2e);
}

// -- stats (http_api → broker / topic / channel / session) -------------------

/// broker: (stats_atom) → (std::string health, std::vector<std::string> topic
///   names, std::vector<caf::actor> topics, std::vector<caf::actor> producers).
/// topic: (stats_atom) → (topic_stats without channels, std::vector<caf::actor>
///   channels in name order).
/// channel: (stats_atom) → (channel_stats without clients, std::vector<caf::actor>
///   consumers, std::vector<latency_samples> e2e window).
/// session: (stats_atom) → client_stats.
using stats_atom = caf::atom_constant<caf::atom("stats")>;

// -- administration ----------------------------------------------------------

/// broker: (find_topic_atom, name) → caf::actor, or an error if none exists.
/// topic: (find_topic_atom, channel name) → caf::actor of an existing channel.
using find_atom = caf::atom_constant<caf::atom("find")>;
/// broker: (delete_atom, topic name) → bool existed; the topic and its
/// channels quit (their clients are closed). topic: (delete_atom, channel
/// name) → bool existed.
using delete_atom = caf::atom_constant<caf::atom("delete")>;
/// topic or channel: (empty_atom) → bool: drops its queued messages (§11.6).
using empty_atom = caf::atom_constant<caf::atom("empty")>;
/// topic or channel: (pause_atom, bool paused) → bool (§11.7).
using pause_atom = caf::atom_constant<caf::atom("pause")>;
/// broker: (restored_atom) → true once every topic it has (those restored
/// from nsqd.dat at the start) made its channels and told lookupd of them;
/// topic: (restored_atom) → true (it makes its restored channels as it starts).
using restored_atom = caf::atom_constant<caf::atom("restored")>;
/// channel → session: (released_atom, std::vector<message_id> ids): these
/// in-flight messages of the session left it without FIN/REQ (timed out, or
/// channel emptied): its in-flight count (for /stats) drops, and a session
/// attached to several channels forgets which channel owned them.
using released_atom = caf::atom_constant<caf::atom("released")>;
/// broker: (health_atom) → std::string: "OK" or "NOK - <error>" (§15.7).
/// (health_atom, std::string error) sets it: "" = healthy again (the disk
/// queue reports each write's outcome).
using health_atom = caf::atom_constant<caf::atom("health")>;
/// session → broker: (producer_atom): this session published; list it under
/// `producers` until it terminates.
using producer_atom = caf::atom_constant<caf::atom("producer")>;

} // namespace nsq
