#pragma once

// The grants and AUTH helpers the auth e2e tests share: the reference's
// §20.6 grant (alice), a publisher grant (bob) and an AUTH round trip.
#include "e2e/nsqd_process.hpp"
#include "e2e/raw_client.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace e2e {

/// The §20.6 grant: alice may subscribe `^auth.*` on channel `^ch$` only.
inline const std::string alice =
    R"({"ttl":60,"identity":"alice","identity_url":"https://id/alice",)"
    R"("authorizations":[{"topic":"^auth.*","channels":["^ch$"],)"
    R"("permissions":["subscribe","publish"]}]})";
inline const std::string alice_reply =
    R"({"identity":"alice","identity_url":"https://id/alice","permission_count":1})";

/// bob may publish to topics containing "pub" (unanchored) and subscribe anywhere.
inline std::string bob(int ttl) {
  return R"({"ttl":)" + std::to_string(ttl) +
         R"(,"identity":"bob","authorizations":[)"
         R"({"topic":"pub","channels":[".*"],"permissions":["publish"]},)"
         R"({"topic":".*","channels":[".*"],"permissions":["subscribe"]}]})";
}

inline std::string auth(std::string_view secret) {
  return "AUTH\n" + be32(static_cast<uint32_t>(secret.size())) + std::string(secret);
}

/// Connects and authenticates with `secret`, expecting `reply`.
inline raw_client authed(uint16_t port, const std::string& secret,
                         const std::string& reply) {
  raw_client c{port};
  c.send(auth(secret));
  frame f = c.read_non_heartbeat();
  CHECK(printable(f.raw) == printable(response_frame(reply)));
  return c;
}

} // namespace e2e
