#include "actors/broker.hpp"

#include "actors/messages.hpp"
#include "actors/topic.hpp"
#include "protocol/names.hpp"

#include <caf/all.hpp>

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace nsq {

namespace {

struct broker_state {
  std::shared_ptr<const settings> cfg;
  std::map<std::string, caf::actor> topics;
  std::set<caf::actor> producers; ///< sessions that published (monitored)
  std::string health_error;       ///< the last disk write error, "" when healthy

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
  auto& producers = self->state.producers;
  for (auto it = producers.begin(); it != producers.end(); ++it)
    if (it->address() == dm.source) {
      producers.erase(it);
      return;
    }
  auto& topics = self->state.topics;
  for (auto it = topics.begin(); it != topics.end(); ++it)
    if (it->second.address() == dm.source) {
      topics.erase(it);
      return;
    }
}

/// Answers /stats: every topic (name order) and every producer session.
/// Returns `OK` or `NOK - <error>` as /ping and /stats show it.
std::string health_of(const broker_state& st) {
  return st.health_error.empty() ? "OK" : "NOK - " + st.health_error;
}

caf::result<std::string, std::vector<std::string>, std::vector<caf::actor>,
            std::vector<caf::actor>>
stats(broker_actor* self) {
  std::vector<std::string> names;
  std::vector<caf::actor> topics;
  for (auto& [name, t] : self->state.topics) {
    names.push_back(name);
    topics.push_back(t);
  }
  std::vector<caf::actor> producers(self->state.producers.begin(),
                                    self->state.producers.end());
  return {health_of(self->state), std::move(names), std::move(topics),
          std::move(producers)};
}

caf::result<caf::actor> find_topic(broker_actor* self, const std::string& name) {
  auto& topics = self->state.topics;
  if (auto it = topics.find(name); it != topics.end())
    return it->second;
  return caf::make_error(caf::sec::invalid_argument, "topic not found");
}

/// Deletes topic `name` (§11.5): forgotten at once (a later publish makes a
/// new one), then told to quit, which closes its channels and their clients.
bool delete_topic(broker_actor* self, const std::string& name) {
  auto& topics = self->state.topics;
  auto it = topics.find(name);
  if (it == topics.end())
    return false;
  auto t = it->second;
  topics.erase(it);
  self->demonitor(t);
  self->send_exit(t, caf::exit_reason::user_shutdown);
  return true;
}

void add_producer(broker_actor* self) {
  auto who = caf::actor_cast<caf::actor>(self->current_sender());
  if (who && self->state.producers.insert(who).second)
    self->monitor(who);
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
      [=](stats_atom) { return stats(self); },
      [=](find_atom, const std::string& name) { return find_topic(self, name); },
      [=](delete_atom, const std::string& name) { return delete_topic(self, name); },
      [=](producer_atom) { add_producer(self); },
      [=](health_atom) { return health_of(self->state); },
      [=](health_atom, std::string& error) {
        self->state.health_error = std::move(error);
      },
  };
}

} // namespace

caf::actor spawn_broker(caf::actor_system& sys, std::shared_ptr<const settings> cfg) {
  return sys.spawn(broker_behavior, std::move(cfg));
}

} // namespace nsq
