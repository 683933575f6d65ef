#include "actors/lookupd_notify.hpp"

#include "actors/lookupd_messages.hpp"

#include <caf/actor_cast.hpp>
#include <caf/actor_registry.hpp>
#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/local_actor.hpp>
#include <caf/send.hpp>

namespace nsq {

caf::actor lookupd_coordinator(caf::actor_system& sys) {
  return caf::actor_cast<caf::actor>(sys.registry().get(lookupd_registry_key));
}

void notify_lookupd(caf::local_actor* self, lookup_op op, const std::string& topic,
                    const std::string& channel) {
  auto c = lookupd_coordinator(self->system());
  if (c)
    caf::anon_send(c, lk_cmd_atom::value, lookup_command{op, topic, channel});
}

void add_lookupd_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<lookup_command>("nsq_lookup_command");
}

} // namespace nsq
