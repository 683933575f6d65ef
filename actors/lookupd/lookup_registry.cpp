#include "actors/lookupd/lookup_registry.hpp"

#include "actors/log.hpp"
#include "actors/lookupd/lookup_messages.hpp"
#include "protocol/lookup_http.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <chrono>

namespace nsq {

namespace {

struct registry_state {
  lookup_db db;
  lookup_liveness live;
  lookup_clock clock;
  static inline const char* name = "lookup_registry";
};

using registry_actor = caf::stateful_actor<registry_state>*;

void log_db(const std::string& id, const char* what, const char* category,
            const std::string& key, const std::string& subkey) {
  if (log_enabled(log_level::info))
    log_info("DB: client(" + id + ") " + what + " category:" + category + " key:" + key +
             " subkey:" + subkey);
}

caf::behavior registry(registry_actor self, lookup_liveness live, lookup_clock clock) {
  self->state.live = live;
  self->state.clock = std::move(clock);
  return {
      [=](lk_ident_atom, const lookup_peer& peer) {
        log_db(peer.id, "REGISTER", "client", "", "");
        self->state.db.identify(peer, self->state.clock());
      },
      [=](lk_ping_atom, const std::string& id) {
        self->state.db.ping(id, self->state.clock());
      },
      [=](lk_reg_atom, const std::string& id, const std::string& topic,
          const std::string& channel) {
        if (!channel.empty())
          log_db(id, "REGISTER", "channel", topic, channel);
        log_db(id, "REGISTER", "topic", topic, "");
        self->state.db.add(id, topic, channel);
      },
      [=](lk_unreg_atom, const std::string& id, const std::string& topic,
          const std::string& channel) {
        log_db(id, "UNREGISTER", channel.empty() ? "topic" : "channel", topic, channel);
        self->state.db.remove(id, topic, channel);
      },
      [=](lk_gone_atom, const std::string& id) {
        log_info("DB: client(" + id + ") UNREGISTER all");
        self->state.db.drop_peer(id);
      },
      [=](lk_http_atom, int32_t endpoint, const std::string& query) {
        auto& st = self->state;
        return serve_lookup_http(st.db, static_cast<lookup_endpoint>(endpoint), query,
                                 st.clock(), st.live);
      },
  };
}

} // namespace

int64_t lookup_wall_clock() {
  using namespace std::chrono;
  return duration_cast<nanoseconds>(system_clock::now().time_since_epoch()).count();
}

caf::actor spawn_lookup_registry(caf::actor_system& sys, lookup_liveness live,
                                 lookup_clock clock) {
  return sys.spawn(registry, live, std::move(clock));
}

} // namespace nsq
