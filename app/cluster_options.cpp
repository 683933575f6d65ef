#include "app/cluster_options.hpp"

// The rows leave the trailing custom-kind fields at their defaults.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace nsq {

std::vector<option_spec> cluster_options() {
  using s = settings;
  using k = option_kind;
  return {
      {"cluster-address", "cluster_address", k::text, &s::cluster_address,
       "<addr>:<port> to publish this node's cluster membership on (caf-nsqd; "
       "off when empty; keep it private unless --cluster-tls-* are set)"},
      {"cluster-broadcast-address", "cluster_broadcast_address", k::text,
       &s::cluster_broadcast_address,
       "<addr>:<port> members reach this node on, when not --cluster-address "
       "(caf-nsqd; a NAT, port mapping or proxy in between)"},
      {"cluster-peer", "cluster_peer", k::text_list, &s::cluster_peers,
       "<addr>:<port> of a cluster member to join (caf-nsqd; may be given multiple "
       "times)"},
      {"cluster-timeout", "cluster_timeout", k::duration, &s::cluster_timeout,
       "drop a cluster member silent for this long (caf-nsqd; heartbeats every "
       "quarter of it)"},
      {"cluster-tls-cert", "cluster_tls_cert", k::text, &s::cluster_tls_cert,
       "path to this node's cluster certificate (caf-nsqd; with --cluster-tls-key "
       "and --cluster-tls-ca: TLS between members, peers verified)"},
      {"cluster-tls-key", "cluster_tls_key", k::text, &s::cluster_tls_key,
       "path to the key of --cluster-tls-cert (caf-nsqd)"},
      {"cluster-tls-ca", "cluster_tls_ca", k::text, &s::cluster_tls_ca,
       "path to the CA certificate every cluster member's certificate must be "
       "signed by (caf-nsqd)"},
  };
}

} // namespace nsq
