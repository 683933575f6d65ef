#pragma once

// nsqlookupd's HTTP API without sockets (reference §9): every endpoint's
// answer computed from a lookup_db, byte for byte (layouts of §9.3, §10).

#include "protocol/http_response.hpp"
#include "protocol/lookup_db.hpp"
#include "protocol/lookup_http_routes.hpp"

#include <string>

namespace nsq {

/// Serves `e` with the raw `query` (no `?`) at time `now` (ns).
http_response serve_lookup_http(lookup_db& db, lookup_endpoint e,
                                const std::string& query, int64_t now,
                                const lookup_liveness& l);

} // namespace nsq
