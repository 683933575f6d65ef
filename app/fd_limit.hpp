#pragma once

namespace nsq {

/// Raises the soft RLIMIT_NOFILE to the hard limit, so the number of clients
/// is bounded only by the system's descriptor limit. Logs the result.
void raise_fd_limit();

} // namespace nsq
