#include "actors/topic.hpp"

#include "actors/channel.hpp"
#include "actors/topic_state.hpp"
#include "protocol/names.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <chrono>
#include <limits>
#include <utility>
#include <vector>

namespace nsq {

namespace {

/// Returns the bound of every memory queue (at least 1: without the disk
/// queue a bound of 0 would refuse every message).
uint64_t capacity_of(const topic_state& st) {
  return static_cast<uint64_t>(std::max<int64_t>(st.cfg->mem_queue_size, 1));
}

/// Returns how many more undeferred messages every waited-for channel can take.
uint64_t room_of(const topic_state& st) {
  auto room = std::numeric_limits<uint64_t>::max();
  auto cap = capacity_of(st);
  for (auto& [name, ch] : st.channels)
    if (!ch.ephemeral)
      room = std::min(room, ch.queued < cap ? cap - ch.queued : 0);
  return room;
}

/// Copies `batch` to every channel as one shared message (no body copies).
void fan_out(topic_actor* self, std::vector<message_ref> batch, caf::timespan defer) {
  auto n = batch.size();
  bool counted =
      defer <= caf::timespan{0}; // deferred messages leave no memory-queue trace
  auto msg = caf::make_message(enqueue_atom::value, std::move(batch), defer);
  for (auto& [name, ch] : self->state.channels) {
    if (counted && !ch.ephemeral)
      ch.queued += n;
    self->send(ch.handle, msg);
  }
}

/// Forwards held messages, oldest first, as far as the channels have room.
void flush_held(topic_actor* self) {
  auto& st = self->state;
  while (!st.paused && !st.held.empty() && !st.channels.empty()) {
    auto defer = st.held.front().defer;
    bool counted = defer <= caf::timespan{0};
    auto limit = counted ? room_of(st) : std::numeric_limits<uint64_t>::max();
    std::vector<message_ref> batch;
    while (!st.held.empty() && st.held.front().defer == defer && batch.size() < limit) {
      batch.push_back(std::move(st.held.front().msg));
      st.held.pop_front();
    }
    if (batch.empty())
      return; // a channel is full: wait for its drained
    fan_out(self, std::move(batch), defer);
  }
}

/// Returns the messages of `bodies`, each built once with a new ID.
std::vector<message_ref> make_messages(topic_state& st,
                                       std::vector<std::string>& bodies) {
  auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  std::vector<message_ref> result;
  result.reserve(bodies.size());
  for (auto& body : bodies)
    result.emplace_back(message_data{st.ids.next(now), now, std::move(body)});
  return result;
}

/// Accepts a batch all-or-nothing; returns the refusal reason or "".
std::string publish(topic_actor* self, std::vector<std::string>& bodies,
                    caf::timespan defer) {
  auto& st = self->state;
  auto n = bodies.size();
  auto cap = capacity_of(st);
  size_t direct = 0; // messages that go to the channels right away
  if (!st.paused && !st.channels.empty() && st.held.empty())
    direct = defer > caf::timespan{0}
                 ? n
                 : static_cast<size_t>(std::min<uint64_t>(n, room_of(st)));
  // An ephemeral topic drops its overflow like nsqd; others refuse (no disk queue yet).
  if (!st.ephemeral && st.held.size() + (n - direct) > cap)
    return "queue full";
  auto refs = make_messages(st, bodies);
  st.message_count += n;
  for (auto& m : refs)
    st.message_bytes += data_of(m).body.size();
  for (size_t i = direct; i < n; ++i)
    st.held.push_back(held_message{std::move(refs[i]), defer});
  while (st.held.size() > cap)
    st.held.pop_back();
  if (direct > 0) {
    refs.resize(direct);
    fan_out(self, std::move(refs), defer);
  }
  return {};
}

caf::result<caf::actor> get_channel(topic_actor* self, const std::string& name) {
  auto& st = self->state;
  if (auto it = st.channels.find(name); it != st.channels.end())
    return it->second.handle;
  if (!is_valid_channel_name(name))
    return caf::make_error(caf::sec::invalid_argument, "invalid channel name");
  auto ch = spawn_channel(self->system(), caf::actor_cast<caf::actor>(self),
                          st.topic_name, name, st.cfg);
  self->monitor(ch);
  st.channels.emplace(name, channel_slot{ch, is_ephemeral(name)});
  st.had_channel = true;
  flush_held(self);
  return ch;
}

void drained(topic_actor* self, uint64_t n) {
  auto sender = self->current_sender();
  for (auto& [name, ch] : self->state.channels)
    if (ch.handle.address() == sender)
      ch.queued -= std::min(ch.queued, n);
  flush_held(self);
}

void on_channel_down(topic_actor* self, const caf::down_msg& dm) {
  auto& st = self->state;
  for (auto it = st.channels.begin(); it != st.channels.end(); ++it)
    if (it->second.handle.address() == dm.source) {
      st.channels.erase(it);
      break;
    }
  if (st.ephemeral && st.had_channel && st.channels.empty()) {
    self->quit(); // last channel of an ephemeral topic is gone (§11.4)
    return;
  }
  flush_held(self); // the channel we waited for may be gone
}

/// Answers /stats: the topic's own figures and its channels in name order.
caf::result<topic_stats, std::vector<caf::actor>> stats(topic_actor* self) {
  auto& st = self->state;
  topic_stats ts;
  ts.topic_name = st.topic_name;
  ts.depth = static_cast<int64_t>(st.held.size()); // + disk depth once it exists
  ts.message_count = st.message_count;
  ts.message_bytes = st.message_bytes;
  ts.paused = st.paused;
  std::vector<caf::actor> channels;
  for (auto& [name, ch] : st.channels)
    channels.push_back(ch.handle);
  return {std::move(ts), std::move(channels)};
}

caf::result<caf::actor> find_channel(topic_actor* self, const std::string& name) {
  auto& chans = self->state.channels;
  if (auto it = chans.find(name); it != chans.end())
    return it->second.handle;
  return caf::make_error(caf::sec::invalid_argument, "channel not found");
}

/// Deletes channel `name` (§11.5): it quits, which closes its clients; an
/// ephemeral topic left without channels goes too.
bool delete_channel(topic_actor* self, const std::string& name) {
  auto& st = self->state;
  auto it = st.channels.find(name);
  if (it == st.channels.end())
    return false;
  auto ch = it->second.handle;
  st.channels.erase(it);
  self->demonitor(ch);
  self->send_exit(ch, caf::exit_reason::user_shutdown);
  if (st.ephemeral && st.channels.empty())
    self->quit();
  else
    flush_held(self); // the deleted channel may have been the full one
  return true;
}

bool set_paused(topic_actor* self, bool paused) {
  self->state.paused = paused;
  flush_held(self);
  return true;
}

void on_exit(topic_actor* self, const caf::exit_msg& em) {
  for (auto& [name, ch] : self->state.channels)
    self->send_exit(ch.handle, em.reason);
  self->quit(em.reason);
}

caf::behavior topic_behavior(topic_actor* self, std::string name,
                             std::shared_ptr<const settings> cfg) {
  auto& st = self->state;
  st.ephemeral = is_ephemeral(name);
  st.topic_name = std::move(name);
  st.ids = id_generator{cfg->node_id};
  st.cfg = std::move(cfg);
  self->set_down_handler([=](caf::down_msg& dm) { on_channel_down(self, dm); });
  self->set_exit_handler([=](caf::exit_msg& em) { on_exit(self, em); });
  return {
      [=](publish_atom, std::vector<std::string>& bodies, caf::timespan defer) {
        return publish(self, bodies, defer);
      },
      [=](get_channel_atom, const std::string& name) { return get_channel(self, name); },
      [=](drained_atom, uint64_t n) { drained(self, n); },
      [=](stats_atom) { return stats(self); },
      [=](find_atom, const std::string& name) { return find_channel(self, name); },
      [=](delete_atom, const std::string& name) { return delete_channel(self, name); },
      [=](empty_atom) {
        self->state.held.clear(); // only what is not yet copied to channels (§11.6)
        return true;
      },
      [=](pause_atom, bool paused) { return set_paused(self, paused); },
  };
}

} // namespace

caf::actor spawn_topic(caf::actor_system& sys, std::string name,
                       std::shared_ptr<const settings> cfg) {
  return sys.spawn(topic_behavior, std::move(name), std::move(cfg));
}

} // namespace nsq
