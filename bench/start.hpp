#pragma once

#include "bench/options.hpp"
#include "bench/run_state.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <optional>
#include <string>

namespace bench {

/// Returns the endpoint of `host:port` (numeric or resolvable), or nothing
/// with `error` set.
std::optional<boost::asio::ip::tcp::endpoint> resolve_address(const std::string& address,
                                                              std::string& error);

/// Sleeps until nsq's `--deadline` ("2006-01-02 15:04:05", UTC) if one is
/// given. Returns false (with `error`) if it does not parse.
bool sleep_until_deadline(const std::string& deadline, const std::string& prefix,
                          std::string& error);

/// Waits (at most 30 s) until every connection of `run` is `what` (e.g.
/// "subscribed"), then until `--deadline`; returns the failure text or "".
std::string await_start(run_state& run, const std::string& deadline,
                        const std::string& prefix, const std::string& what);

/// Raises RLIMIT_NOFILE to its hard limit, so thousands of connections fit.
void raise_file_limit();

/// Returns the number of connections to open when none is given: one per CPU,
/// as nsq's tools use GOMAXPROCS workers.
int64_t default_connections();

} // namespace bench
