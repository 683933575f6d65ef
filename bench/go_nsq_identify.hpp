#pragma once

#include <string>

namespace bench {

/// Returns the IDENTIFY body go-nsq 1.1.0 sends with `nsq.NewConfig()`'s
/// defaults (conn.go identify(), config.go): feature negotiation, heartbeat
/// 30 s, output buffer 16384 B / 250 ms, deflate level 6, client_id the short
/// hostname, user_agent go-nsq/1.1.0; keys sorted as Go's json.Marshal does.
std::string go_nsq_identify_json();

} // namespace bench
