#include "actors/lookupd/lookup_messages.hpp"

#include <caf/actor_system_config.hpp>

namespace nsq {

void add_lookup_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<lookup_peer>("nsq_lookup_peer");
  cfg.add_message_type<http_response>("nsq_http_response");
}

} // namespace nsq
