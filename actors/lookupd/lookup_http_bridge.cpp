#include "actors/lookupd/lookup_http_bridge.hpp"

#include "actors/lookupd/lookup_messages.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>

#include <chrono>

namespace nsq {

void ask_lookup_registry(caf::actor_system& sys, caf::actor registry, lookup_endpoint e,
                         std::string query, std::function<void(http_response)> reply) {
  sys.spawn(
      [=](caf::event_based_actor* self, caf::actor reg) -> caf::behavior {
        self->request(reg, std::chrono::seconds(5), lk_http_atom::value,
                      static_cast<int32_t>(e), query)
            .then(
                [=](const http_response& r) {
                  reply(r);
                  self->quit();
                },
                [=](caf::error&) {
                  reply(nsq_error(500, "INTERNAL_ERROR"));
                  self->quit();
                });
        return {};
      },
      std::move(registry));
}

} // namespace nsq
