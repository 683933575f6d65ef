#pragma once

// The HTTP call to the auth servers (reference §9.2), off every shared
// thread: each query runs in its own short-lived detached actor (own thread,
// own Asio io_context, bounded by the connect and request timeouts), so a
// slow auth server stalls only the session that asked.

#include "protocol/auth_request.hpp"

#include <caf/atom.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace nsq {

/// (auth_query_atom) → std::string: the body of the first auth server answer
/// that passes decode_auth_response, or an error naming the last failure.
using auth_query_atom = caf::atom_constant<caf::atom("auth_query")>;

/// nsqd's HTTP client for auth servers (reference §9.2): its timeouts, and
/// for `https://` URLs the roots that verify the server (--tls-root-ca-file,
/// else the system's) and the lowest TLS version (--tls-min-version).
struct http_client_options {
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds request_timeout{5000};
  std::string root_ca_file;
  int tls_min_version = 0x0301;
};

/// What one auth query needs.
struct auth_job {
  std::vector<std::string> addresses; ///< --auth-http-address values
  auth_query query;
  http_client_options http;
};

/// Spawns a detached actor that answers one auth_query_atom and quits. It
/// tries every address once, from a random one on (nsqd's QueryAnyAuthd).
caf::actor spawn_auth_query(caf::actor_system& sys, auth_job job);

/// Sends one GET for `url` (`http://` or `https://`, the server's
/// certificate verified against the options' roots and the URL's host), and
/// returns its 200 body in `body` or the failure text. A 403 from an
/// `http://` URL is retried once on `https://` at the body's `https_port`,
/// as nsqd's client does. Blocking (bounded by the timeouts): call it only
/// on a thread of its own.
std::string http_get(const std::string& url, const http_client_options& opts,
                     std::string& body);

/// Shutdown: fails every `http_get` in flight (and every later one) at once,
/// so that awaiting the actors running them does not wait out their timeouts.
void cancel_http_gets();

} // namespace nsq
