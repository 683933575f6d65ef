#pragma once

#include "actors/broker.hpp"

#include <string>

namespace nsq {

/// Reads what a durable broker starts from (§14.3, §15.6): nsqd.dat (missing
/// = fresh start; unparsable = an error: nsqd's fatal message detail) with
/// invalid names skipped and warned about, and the names of the queues that
/// have files in the data path. Reads no queue contents: those are opened
/// on demand by their disk workers. Returns "" on success.
std::string load_durable_start(const std::string& data_path, broker_startup& out);

} // namespace nsq
