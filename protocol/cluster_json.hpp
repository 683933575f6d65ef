#pragma once

// GET /cluster and the `cluster` field of /stats JSON (ours; docs/cluster.md).

#include "protocol/cluster_view.hpp"

#include <string>

namespace nsq {

/// Returns `v` as a JSON object:
/// `{"self":{member},"tls":bool,"members":[{member,"state":s,"since":ms}]}`,
/// a member being `{"id","cluster_address","broadcast_address","tcp_port",
/// "http_port","incarnation"}`.
std::string render_cluster_json(const cluster_view& v);

} // namespace nsq
