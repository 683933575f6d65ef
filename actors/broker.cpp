#include "actors/broker.hpp"

#include "actors/log.hpp"

#include "actors/cluster_messages.hpp"
#include "actors/disk_context.hpp"
#include "actors/disk_worker.hpp"
#include "actors/lookupd_messages.hpp"
#include "actors/lookupd_notify.hpp"
#include "actors/messages.hpp"
#include "actors/metadata_writer.hpp"
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
  disk_context_ptr disk;          ///< null: memory only
  caf::actor directory;           ///< the channel directory; invalid: cluster off

  static inline const char* name = "broker";
};

using broker_actor = caf::stateful_actor<broker_state>;

caf::actor add_topic(broker_actor* self, const std::string& name,
                     storage::topic_metadata restored) {
  auto& st = self->state;
  // Before the spawn: the topic's REGISTER t c (restored channels) follow.
  notify_lookupd(self, lookup_op::register_, name);
  auto t = st.disk
               ? spawn_topic(self->system(), name, st.cfg, st.disk, std::move(restored))
               : spawn_topic(self->system(), name, st.cfg);
  self->monitor(t);
  st.topics.emplace(name, t);
  log_info("TOPIC(" + name + "): created");
  return t;
}

caf::result<caf::actor> get_topic(broker_actor* self, const std::string& name) {
  auto& st = self->state;
  if (auto it = st.topics.find(name); it != st.topics.end())
    return it->second;
  if (!is_valid_topic_name(name))
    return caf::make_error(caf::sec::invalid_argument, "invalid topic name");
  storage::topic_metadata fresh;
  fresh.name = name;
  if (st.disk && !is_ephemeral(name) && st.disk->meta_writer)
    self->send(st.disk->meta_writer, meta_topic_atom::value, name, false,
               std::vector<std::string>{}, std::vector<std::string>{});
  auto t = add_topic(self, name, std::move(fresh));
  // Created at run time (not from nsqd.dat): the lookupds' channels first.
  // Sent before the caller gets the handle, so it precedes every publish.
  if (auto coordinator = lookupd_coordinator(self->system()))
    self->send(t, lk_disc_atom::value, coordinator);
  // Members' subscribers of this topic's channels attach to it (cluster on).
  if (st.directory)
    self->send(st.directory, cl_topic_atom::value, name, t);
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
      // an ephemeral topic whose last channel went (§11.4)
      notify_lookupd(self, lookup_op::unregister, it->first);
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
  log_info("TOPIC(" + name + "): deleting");
  notify_lookupd(self, lookup_op::unregister, name);
  auto& disk = self->state.disk;
  if (!disk) {
    self->send_exit(t, caf::exit_reason::user_shutdown);
    return true;
  }
  if (disk->meta_writer)
    self->send(disk->meta_writer, meta_forget_atom::value, name);
  // The topic's and its channels' files go before a topic of the same name
  // can be created (its I/O actor takes them in order); the old topic's own
  // later requests are then stale and ignored.
  if (disk->pool && !disk->pool->actors.empty())
    // Anonymous: its answer (a bool) would reach us as an unexpected message.
    caf::anon_send(disk->pool->actors[disk_io_index(name, disk->pool->actors.size())],
                   disk_remove_atom::value, name, t.id(), t.id());
  self->send(t, purge_atom::value); // drops its messages and disk queues
  return true;
}

void add_producer(broker_actor* self) {
  auto who = caf::actor_cast<caf::actor>(self->current_sender());
  if (who && self->state.producers.insert(who).second)
    self->monitor(who);
}

/// Shutdown: topics persist their messages; the metadata writer writes its
/// last state (it is current: nothing changes it while topics shut down).
void on_exit(broker_actor* self, const caf::exit_msg& em) {
  for (auto& [name, t] : self->state.topics) {
    log_info("TOPIC(" + name + "): closing");
    self->send_exit(t, em.reason);
  }
  if (self->state.disk && self->state.disk->meta_writer)
    self->send_exit(self->state.disk->meta_writer, em.reason);
  self->quit(em.reason);
}

/// Builds the disk context and restores the topics of nsqd.dat.
void start_durable(broker_actor* self, broker_startup startup) {
  auto ctx = std::make_shared<disk_context>();
  ctx->data_path = startup.data_path;
  ctx->queues_on_disk = std::move(startup.queues_on_disk);
  ctx->detached = startup.detached;
  ctx->broker = caf::actor_cast<caf::actor>(self);
  ctx->meta_writer = spawn_metadata_writer(self->system(), startup.data_path,
                                           startup.metadata, startup.detached);
  ctx->pool =
      spawn_disk_pool(self->system(), *ctx, *self->state.cfg, default_disk_pool_size());
  self->state.disk = std::move(ctx);
  for (auto& t : startup.metadata.topics)
    if (self->state.topics.count(t.name) == 0)
      add_topic(self, t.name, t);
}

/// Answers once every topic has made its restored channels (each topic's
/// answer comes after its start, where it makes them).
caf::result<bool> await_restored(broker_actor* self) {
  auto& topics = self->state.topics;
  if (topics.empty())
    return true;
  auto rp = self->make_response_promise<bool>();
  auto pending = std::make_shared<size_t>(topics.size());
  auto one_done = [=]() mutable {
    if (--*pending == 0)
      rp.deliver(true);
  };
  for (auto& [name, t] : topics)
    self->request(t, caf::infinite, restored_atom::value)
        .then([=](bool) mutable { one_done(); },
              [=](caf::error&) mutable { one_done(); }); // gone: nothing to wait for
  return rp;
}

caf::behavior broker_behavior(broker_actor* self, std::shared_ptr<const settings> cfg,
                              std::shared_ptr<broker_startup> startup) {
  self->state.cfg = std::move(cfg);
  if (startup)
    start_durable(self, std::move(*startup));
  self->set_down_handler([=](caf::down_msg& dm) { on_topic_down(self, dm); });
  self->set_exit_handler([=](caf::exit_msg& em) { on_exit(self, em); });
  return {
      [=](get_topic_atom, const std::string& name) { return get_topic(self, name); },
      [=](stats_atom) { return stats(self); },
      [=](find_atom, const std::string& name) { return find_topic(self, name); },
      [=](delete_atom, const std::string& name) { return delete_topic(self, name); },
      [=](producer_atom) { add_producer(self); },
      [=](health_atom) { return health_of(self->state); },
      [=](restored_atom) { return await_restored(self); },
      [=](cl_directory_atom, const caf::actor& dir) { self->state.directory = dir; },
      [=](cl_sub_atom, const std::string& topic, const std::string& channel) {
        // Delegated: the directory sees the session as the sender.
        if (self->state.directory)
          self->delegate(self->state.directory, cl_sub_atom::value, topic, channel);
      },
      [=](health_atom, std::string& error) {
        self->state.health_error = std::move(error);
      },
  };
}

} // namespace

caf::actor spawn_broker(caf::actor_system& sys, std::shared_ptr<const settings> cfg) {
  return sys.spawn(broker_behavior, std::move(cfg), std::shared_ptr<broker_startup>{});
}

caf::actor spawn_broker(caf::actor_system& sys, std::shared_ptr<const settings> cfg,
                        broker_startup startup) {
  return sys.spawn(broker_behavior, std::move(cfg),
                   std::make_shared<broker_startup>(std::move(startup)));
}

} // namespace nsq
