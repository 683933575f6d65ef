#include "actors/session_state.hpp"
#include "protocol/tls_names.hpp"

// A session's /stats entry: what the connection negotiated and its counters
// (reference §13.7 ClientStats).

namespace nsq {

client_stats stats_of(const session_state& st) {
  const auto& c = st.client;
  client_stats s;
  s.client_id = c.client_id;
  s.hostname = c.hostname;
  s.remote_address = st.remote_address;
  s.state = static_cast<int64_t>(st.phase);
  s.ready_count = st.counters.ready_count;
  s.in_flight_count = st.counters.in_flight;
  s.message_count = st.counters.message_count;
  s.finish_count = st.counters.finish_count;
  s.requeue_count = st.counters.requeue_count;
  s.connect_ts = st.connect_ts;
  s.sample_rate = c.sample_rate;
  s.deflate = c.deflate;
  s.snappy = c.snappy;
  s.user_agent = c.user_agent;
  if (st.auth) { // nsqd: Authed = HasAuthorizations()
    s.authed = !st.auth->authorizations.empty();
    s.auth_identity = st.auth->identity;
    s.auth_identity_url = st.auth->identity_url;
  }
  for (auto& [topic, count] : st.pub_counts)
    s.pub_counts.push_back(pub_count{topic, count});
  if (st.tls_info) { // nsqd: only once the handshake succeeded
    s.tls = true;
    s.tls_cipher_suite = tls_cipher_suite_name(st.tls_info->cipher_suite);
    s.tls_version = tls_version_name(st.tls_info->version);
    s.tls_negotiated_protocol = st.tls_info->negotiated_protocol;
    // Go (since 1.17) always reports NegotiatedProtocolIsMutual = true.
    s.tls_negotiated_protocol_is_mutual = true;
  }
  return s;
}

} // namespace nsq
