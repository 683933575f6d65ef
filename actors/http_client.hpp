#pragma once

// What actors need from an HTTP client, as an interface: net/ implements it
// with Asio/Beast on the broker's io_context (net/http_client), so an auth
// query or a lookupd `/channels` GET costs a socket, not a thread. Results
// come back through a callback that runs on the client's thread; actors turn
// it into a message to themselves (never touch actor state in it).

#include <chrono>
#include <functional>
#include <memory>
#include <string>

namespace nsq {

/// nsqd's HTTP client (reference §9.2): its timeouts, and for `https://`
/// URLs the roots that verify the server (--tls-root-ca-file, else the
/// system's) and the lowest TLS version (--tls-min-version).
struct http_client_options {
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds request_timeout{5000};
  std::string root_ca_file;
  int tls_min_version = 0x0301;
};

/// `error` is empty on success and `body` holds the 200 answer's
/// (decompressed) body; otherwise `error` is the failure text.
using http_get_handler = std::function<void(std::string error, std::string body)>;

class http_client {
public:
  virtual ~http_client() = default;

  /// Sends one GET for `url` (`http://` or `https://`, the server's
  /// certificate verified against the options' roots and the URL's host).
  /// A 403 from an `http://` URL is retried once on `https://` at the
  /// body's `https_port`, as nsqd's client does. Connecting is bounded by
  /// the connect timeout, the exchange by the request timeout. `done` runs
  /// exactly once, never inside get().
  virtual void get(std::string url, http_client_options opts, http_get_handler done) = 0;

  /// Shutdown: fails every GET in flight (and every later one) at once with
  /// "nsqd is shutting down", so awaiting the actors that wait for them does
  /// not wait out their timeouts (nsqd exits without waiting). Thread-safe.
  virtual void cancel_all() = 0;
};

} // namespace nsq
