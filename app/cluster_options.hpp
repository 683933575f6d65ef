#pragma once

// The cluster's flags (ours, not nsqd's; docs/cluster.md), in the same Go
// flag table and --config file as nsqd's.

#include "app/option_table.hpp"

#include <vector>

namespace nsq {

/// Returns --cluster-address, --cluster-peer, --cluster-timeout and the
/// --cluster-tls-* options.
std::vector<option_spec> cluster_options();

} // namespace nsq
