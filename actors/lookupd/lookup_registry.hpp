#pragma once

// The registry actor: sole owner of the registration database (reference
// §7). Sessions send it their changes; HTTP requests ask it for answers.
// Liveness is checked against timestamps on read, so it needs no timers.

#include "protocol/lookup_db.hpp"

#include <caf/fwd.hpp>

#include <cstdint>
#include <functional>

namespace nsq {

/// Returns now in ns since the epoch (tests pass a controllable one).
using lookup_clock = std::function<int64_t()>;

/// The wall clock.
int64_t lookup_wall_clock();

caf::actor spawn_lookup_registry(caf::actor_system& sys, lookup_liveness live,
                                 lookup_clock clock = lookup_wall_clock);

} // namespace nsq
