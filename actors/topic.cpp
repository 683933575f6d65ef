#include "actors/topic.hpp"

#include "actors/lookupd_messages.hpp"
#include "actors/topic_internal.hpp"
#include "protocol/names.hpp"

#include <caf/all.hpp>

#include <utility>
#include <vector>

namespace nsq {

namespace {

/// Answers /stats: the topic's own figures and its channels in name order.
caf::result<topic_stats, std::vector<caf::actor>> stats(topic_actor* self) {
  auto& st = self->state;
  topic_stats ts;
  ts.topic_name = st.topic_name;
  ts.backend_depth = static_cast<int64_t>(st.disk.depth() + st.disk.writing());
  ts.depth = static_cast<int64_t>(st.held.size()) + ts.backend_depth;
  ts.message_count = st.message_count;
  ts.message_bytes = st.message_bytes;
  ts.paused = st.paused;
  std::vector<caf::actor> channels;
  for (auto& [name, ch] : st.channels)
    channels.push_back(ch.handle);
  return {std::move(ts), std::move(channels)};
}

bool set_paused(topic_actor* self, bool paused) {
  auto& st = self->state;
  st.paused = paused;
  if (st.disk_ctx && st.disk_ctx->meta_writer && !st.ephemeral)
    self->send(st.disk_ctx->meta_writer, meta_pause_atom::value, st.topic_name,
               std::string{}, paused);
  pump(self);
  return true;
}

caf::behavior topic_behavior(topic_actor* self, std::string name,
                             std::shared_ptr<const settings> cfg, disk_context_ptr disk,
                             storage::topic_metadata restored) {
  auto& st = self->state;
  st.ephemeral = is_ephemeral(name);
  st.topic_name = std::move(name);
  st.ids = id_generator{cfg->node_id};
  st.cfg = std::move(cfg);
  st.disk_ctx = std::move(disk);
  if (st.disk_ctx && !st.ephemeral) {
    st.disk.init(st.disk_ctx, st.cfg, st.topic_name, self->id(), self->id());
    st.may_hold_deferred = st.disk_ctx->queues_on_disk.count(st.topic_name) > 0;
  }
  st.paused = restored.paused;
  for (auto& c : restored.channels)
    if (is_valid_channel_name(c.name) && st.channels.count(c.name) == 0)
      add_channel(self, c.name, c.paused);
  st.disk.start(self, [self] { pump(self); });
  self->set_down_handler([=](caf::down_msg& dm) {
    if (!on_publisher_down(self, dm))
      on_channel_down(self, dm);
  });
  self->set_exit_handler([=](caf::exit_msg& em) {
    if (!hold_exit(self, em))
      on_exit(self, em);
  });
  return {
      [=](publish_atom, body_batch& bodies, caf::timespan defer) {
        return publish_any(self, bodies, defer);
      },
      [=](publish_atom, const std::vector<std::string>& bodies, caf::timespan defer) {
        auto batch = body_batch::of(bodies);
        return publish_any(self, batch, defer);
      },
      [=](publish_atom, body_batch& bodies, caf::timespan defer, pub_grant_atom) {
        return publish_for_session(self, bodies, defer);
      },
      [=](pub_credited_atom, body_batch& bodies, caf::timespan defer) {
        publish_credited(self, bodies, defer);
      },
      [=](pub_return_atom) { publisher_returned(self); },
      [=](get_channel_atom, const std::string& name) { return get_channel(self, name); },
      [=](drained_atom, uint64_t n) { drained(self, n); },
      [=](wants_atom, bool wants) { channel_wants(self, wants); },
      [=](stats_atom) { return stats(self); },
      [=](find_atom, const std::string& name) { return find_channel(self, name); },
      [=](delete_atom, const std::string& name) { return delete_channel(self, name); },
      [=](empty_atom) {
        self->state.held.clear(); // only what is not yet copied to channels (§11.6)
        self->state.handoff.clear();
        self->state.deferred_on_disk = 0;
        self->state.may_hold_deferred = false;
        self->state.disk.empty(self);
        return true;
      },
      [=](purge_atom) { purge(self); },
      [=](pause_atom, bool paused) { return set_paused(self, paused); },
      [=](restored_atom) { return true; },
      [=](lk_disc_atom, const caf::actor& coordinator) {
        discover_channels(self, coordinator);
      },
  };
}

} // namespace

caf::actor spawn_topic(caf::actor_system& sys, std::string name,
                       std::shared_ptr<const settings> cfg) {
  return sys.spawn(topic_behavior, std::move(name), std::move(cfg), disk_context_ptr{},
                   storage::topic_metadata{});
}

caf::actor spawn_topic(caf::actor_system& sys, std::string name,
                       std::shared_ptr<const settings> cfg, disk_context_ptr disk,
                       storage::topic_metadata restored) {
  return sys.spawn(topic_behavior, std::move(name), std::move(cfg), std::move(disk),
                   std::move(restored));
}

} // namespace nsq
