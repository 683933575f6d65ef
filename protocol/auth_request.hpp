#pragma once

// The GET nsqd sends its auth server (reference §9.2): the URL with its
// query, and the parts an HTTP client needs to send it.

#include <string>
#include <string_view>

namespace nsq {

/// What a connection tells the auth server about itself.
struct auth_query {
  std::string remote_ip;   ///< peer IP without port
  bool tls = false;        ///< the connection was upgraded to TLS
  std::string common_name; ///< Subject CN of the client's TLS certificate
  std::string secret;      ///< the AUTH body, verbatim
};

/// Returns the query string, keys sorted and form-encoded as Go's
/// url.Values.Encode: `common_name=…&remote_ip=…&secret=…&tls=true|false`.
std::string encode_auth_query(const auth_query& q);

/// Returns the URL for one `--auth-http-address`: verbatim when it contains
/// `://`, else `http://<address>/auth`; then `?` and the query.
std::string auth_url(std::string_view address, const auth_query& q);

/// A URL split for sending: scheme, host (without IPv6 brackets), port,
/// the Host header value and the request target.
struct http_url {
  std::string scheme; ///< lowercase, e.g. "http"
  std::string host;
  std::string port;
  std::string host_header; ///< authority as written, e.g. "127.0.0.1:4181"
  std::string target;      ///< path and query, "/" when the path is empty
};

/// Splits an absolute `scheme://authority[/path][?query]` URL; false when
/// it is not one (no scheme, empty host, bad port). A fragment is dropped.
bool parse_http_url(std::string_view url, http_url& out);

/// nsqd's HTTP client after a 403 from a non-https URL (an nsqd-style
/// `TLS_REQUIRED` answer): the same URL with scheme `https` and the port
/// from the body's `"https_port"` (0 when absent, as Go decodes it). Empty
/// when the body is not such a JSON object or `u` names no explicit port
/// (nsqd's request then fails).
std::string https_redirect(const http_url& u, std::string_view body);

} // namespace nsq
