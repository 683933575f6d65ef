#include "actors/broker.hpp"

#include "actors/messages.hpp"
#include "actors/topic.hpp"
#include "protocol/names.hpp"

#include <caf/all.hpp>

#include <map>
#include <string>
#include <utility>

namespace nsq {

namespace {

struct broker_state {
  std::shared_ptr<const settings> cfg;
  std::map<std::string, caf::actor> topics;

  static inline const char* name = "broker";
};

using broker_actor = caf::stateful_actor<broker_state>;

caf::result<caf::actor> get_topic(broker_actor* self, const std::string& name) {
  auto& st = self->state;
  if (auto it = st.topics.find(name); it != st.topics.end())
    return it->second;
  if (!is_valid_topic_name(name))
    return caf::make_error(caf::sec::invalid_argument, "invalid topic name");
  auto t = spawn_topic(self->system(), name, st.cfg);
  self->monitor(t);
  st.topics.emplace(name, t);
  return t;
}

void on_topic_down(broker_actor* self, const caf::down_msg& dm) {
  auto& topics = self->state.topics;
  for (auto it = topics.begin(); it != topics.end(); ++it)
    if (it->second.address() == dm.source) {
      topics.erase(it);
      return;
    }
}

void on_exit(broker_actor* self, const caf::exit_msg& em) {
  for (auto& [name, t] : self->state.topics)
    self->send_exit(t, em.reason);
  self->quit(em.reason);
}

caf::behavior broker_behavior(broker_actor* self, std::shared_ptr<const settings> cfg) {
  self->state.cfg = std::move(cfg);
  self->set_down_handler([=](caf::down_msg& dm) { on_topic_down(self, dm); });
  self->set_exit_handler([=](caf::exit_msg& em) { on_exit(self, em); });
  return {
      [=](get_topic_atom, const std::string& name) { return get_topic(self, name); },
  };
}

} // namespace

caf::actor spawn_broker(caf::actor_system& sys, std::shared_ptr<const settings> cfg) {
  return sys.spawn(broker_behavior, std::move(cfg));
}

} // namespace nsq
