#pragma once

// nsqd's HTTP API (reference §13) without sockets: turns a routed request
// into an answer by asking the broker, topic, channel and session actors
// (request/response, never locks). net/ parses HTTP and writes the answer.

#include "protocol/http_response.hpp"
#include "protocol/http_routes.hpp"
#include "protocol/settings.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace nsq {

/// What the API needs to know about the process.
struct http_context {
  caf::actor broker;
  std::shared_ptr<const settings> cfg;
  std::string banner;            ///< first line of text /stats
  std::string hostname;          ///< OS hostname (/info)
  std::string broadcast_address; ///< --broadcast-address (default: hostname)
  int64_t start_time_ns = 0;     ///< Unix nanoseconds
  int tcp_port = 0;
  int http_port = 0;
  caf::actor lookupd; ///< the lookupd coordinator (invalid: none)
  caf::actor cluster; ///< the membership actor (invalid: clustering off)
};

/// One routed request.
struct http_call {
  endpoint target = endpoint::ping;
  std::string method;
  std::string param; ///< /config/:opt
  std::string query;
  std::string body;
};

/// Receives the answer; called exactly once, from any thread.
using http_reply = std::function<void(http_response)>;

/// Answers `call`, at once or from a request-scoped actor.
void handle_http(caf::actor_system& sys, std::shared_ptr<const http_context> ctx,
                 http_call call, http_reply reply);

} // namespace nsq
