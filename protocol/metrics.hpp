#pragma once

// Prometheus text exposition (format 0.0.4) of the /stats figures, for
// GET /metrics (nsqd has no such endpoint). Names are listed in the README.

#include "protocol/stats.hpp"

#include <string>

namespace nsq {

/// Renders `r` as Prometheus metrics: `nsqd_*` gauges and counters labelled
/// by topic, channel and (for clients) client_id and remote_address.
std::string render_metrics(const stats_report& r);

} // namespace nsq
