#pragma once

// HTTP → registry: one short-lived actor per request that asks the registry
// and hands the answer to a callback (called from a CAF worker thread).

#include "protocol/http_response.hpp"
#include "protocol/lookup_http.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <functional>
#include <string>

namespace nsq {

void ask_lookup_registry(caf::actor_system& sys, caf::actor registry, lookup_endpoint e,
                         std::string query, std::function<void(http_response)> reply);

} // namespace nsq
