#include "actors/channel.hpp"
#include "actors/id_batch.hpp"

#include "actors/channel_internal.hpp"
#include "actors/flow_control.hpp"
#include "protocol/names.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <utility>
#include <vector>

namespace nsq {

namespace {

/// Answers /stats: the channel's figures, its consumers, its latency window.
caf::result<channel_stats, std::vector<caf::actor>, std::vector<latency_samples>>
stats(channel_actor* self) {
  auto& st = self->state;
  channel_stats cs;
  cs.channel_name = st.channel_name;
  cs.backend_depth =
      static_cast<int64_t>(st.disk.depth() + st.disk.writing() + st.spill.size());
  cs.depth = static_cast<int64_t>(st.queue.size()) + cs.backend_depth;
  cs.in_flight_count = static_cast<int64_t>(st.in_flight.size());
  cs.deferred_count = static_cast<int64_t>(st.deferred.size());
  cs.message_count = st.message_count;
  cs.requeue_count = st.requeue_count;
  cs.timeout_count = st.timeout_count;
  cs.client_count = static_cast<int64_t>(st.consumers.size());
  cs.paused = st.paused;
  std::vector<caf::actor> consumers;
  for (auto& [addr, c] : st.consumers)
    consumers.push_back(c.handle);
  return {std::move(cs), std::move(consumers), st.e2e.snapshot(wall_ns())};
}

bool set_paused(channel_actor* self, bool paused) {
  auto& st = self->state;
  if (st.disk_ctx && st.disk_ctx->meta_writer && !st.ephemeral)
    self->send(st.disk_ctx->meta_writer, meta_pause_atom::value, st.topic_name,
               st.channel_name, paused);
  self->state.paused = paused;
  after_change(self); // unpause delivers without a new RDY (§11.7)
  return true;
}

caf::behavior channel_behavior(channel_actor* self, caf::actor topic,
                               std::string topic_name, std::string name,
                               std::shared_ptr<const settings> cfg, disk_context_ptr disk,
                               bool paused) {
  auto& st = self->state;
  st.topic = std::move(topic);
  st.topic_name = std::move(topic_name);
  st.ephemeral = is_ephemeral(name);
  st.channel_name = std::move(name);
  st.e2e = latency_window{
      std::chrono::nanoseconds(cfg->e2e_processing_latency_window_time).count()};
  st.cfg = std::move(cfg);
  st.paused = paused;
  st.disk_ctx = std::move(disk);
  if (st.disk_ctx && !st.ephemeral)
    st.disk.init(st.disk_ctx, st.cfg, st.topic_name + ":" + st.channel_name, self->id(),
                 st.topic ? st.topic.id() : self->id());
  st.disk.start(self, [self] { after_change(self); });
  self->set_down_handler([=](caf::down_msg& dm) { remove_consumer(self, dm.source); });
  self->set_exit_handler([=](caf::exit_msg& em) { on_exit(self, em); });
  return {
      [=](subscribe_atom, consumer_info& info) { return subscribe(self, info); },
      [=](unsubscribe_atom) { remove_consumer(self, sender_of(self)); },
      [=](ready_atom, int64_t count) { ready(self, count); },
      [=](credit_atom, int64_t bytes) { add_credit(self, bytes); },
      [=](enqueue_atom, const std::vector<message_ref>& batch, caf::timespan defer) {
        enqueue(self, batch, defer, {});
      },
      [=](enqueue_atom, const std::vector<message_ref>& batch, caf::timespan defer,
          const std::vector<uint64_t>& origins) { enqueue(self, batch, defer, origins); },
      [=](finish_atom, const id_batch& batch) { finish(self, batch.ids); },
      [=](requeue_atom, const message_id& id, caf::timespan delay) {
        requeue(self, id, delay);
      },
      [=](touch_atom, const message_id& id) { touch(self, id); },
      [=](wake_atom, uint64_t gen) { wake(self, gen); },
      [=](stats_atom) { return stats(self); },
      [=](empty_atom) { return empty_channel(self); },
      [=](pause_atom, bool paused) { return set_paused(self, paused); },
      [=](purge_atom) { purge(self); },
  };
}

} // namespace

caf::error make_error(channel_exit x) {
  return caf::error{static_cast<uint8_t>(x), caf::atom("channel")};
}

caf::actor spawn_channel(caf::actor_system& sys, caf::actor topic, std::string topic_name,
                         std::string name, std::shared_ptr<const settings> cfg) {
  return sys.spawn(channel_behavior, std::move(topic), std::move(topic_name),
                   std::move(name), std::move(cfg), disk_context_ptr{}, false);
}

caf::actor spawn_channel(caf::actor_system& sys, caf::actor topic, std::string topic_name,
                         std::string name, std::shared_ptr<const settings> cfg,
                         disk_context_ptr disk, bool paused) {
  return sys.spawn(channel_behavior, std::move(topic), std::move(topic_name),
                   std::move(name), std::move(cfg), std::move(disk), paused);
}

} // namespace nsq
