#include "actors/cluster_messages.hpp"
#include "actors/log.hpp"
#include "actors/session_state.hpp"

#include <caf/event_based_actor.hpp>

#include <algorithm>
#include <chrono>

// The channels a session is attached to (actors/session_channels.hpp): its
// local channel, and the same topic/channel on other cluster members that
// the node's channel directory attaches (docs/cluster.md). Sends each one
// its RDY share and rotates the RDY slots while RDY < channels.

namespace nsq {

namespace {

/// How often RDY slots may move while RDY < channels, and how often idle
/// channels are looked for. Short, so a slot or a share spends little time at
/// a channel with nothing to deliver.
constexpr auto rdy_rotate_period = std::chrono::milliseconds(20);

/// Keeps one tick on its way while there are several channels.
void arm_rotation(session_actor* self) {
  auto& st = self->state;
  if (st.rdy_ticking || !st.channels.ticks())
    return;
  st.rdy_ticking = true;
  self->delayed_send(self, rdy_rotate_period, rdy_tick_atom::value, ++st.rdy_tick_gen);
}

} // namespace

void attach_local(session_actor* self, const caf::actor& channel,
                  const std::string& topic, const std::string& channel_name) {
  auto& st = self->state;
  st.channels.attach(channel, "");
  start_credit(st.channels.all().front());
  self->monitor(channel);
  self->send(st.broker, cl_sub_atom::value, topic, channel_name);
}

void attach_remote(session_actor* self, const std::string& member,
                   const caf::actor& channel) {
  auto& st = self->state;
  if (st.dead || st.channels.empty() || !st.channels.attach(channel, member))
    return; // not (or no longer) subscribed, or attached already
  log_info("PROTOCOL(V2): [" + st.remote + "] attached to the channel on " + member);
  start_credit(st.channels.all().back());
  self->monitor(channel);
  // Our RDY share follows the subscribe (messages between two actors keep
  // their order), so the channel knows us when it arrives.
  self->request(channel, caf::infinite, subscribe_atom::value, consumer_of(st))
      .then(
          [=](std::string& reason) {
            if (reason.empty())
              return;
            log_warn("PROTOCOL(V2): [" + self->state.remote + "] SUB to the channel on " +
                     member + " failed " + reason);
            self->demonitor(channel);
            detach_channel(self, channel.address());
          },
          [=](caf::error&) {}); // gone: its down message detaches it
  apply_ready(self);
}

bool detach_channel(session_actor* self, const caf::actor_addr& who) {
  auto& st = self->state;
  auto* c = st.channels.find(who);
  if (c == nullptr || st.channels.is_local(who))
    return false;
  // Its in-flight messages are lost to us (its member died or the channel
  // was deleted): their IDs become orphans, acknowledged without an error.
  log_info("PROTOCOL(V2): [" + st.remote + "] detached from the channel on " + c->member);
  st.counters.in_flight = std::max<int64_t>(0, st.counters.in_flight - c->in_flight);
  st.channels.detach(who);
  apply_ready(self);
  return true;
}

void detach_member(session_actor* self, const std::string& member) {
  auto& st = self->state;
  std::vector<caf::actor> gone;
  for (auto& c : st.channels.all())
    if (!c.member.empty() && c.member == member)
      gone.push_back(c.handle);
  for (auto& ch : gone) {
    self->send(ch, unsubscribe_atom::value); // it may still count us
    self->demonitor(ch);
    detach_channel(self, ch.address());
  }
}

void apply_ready(session_actor* self, bool resend) {
  auto& st = self->state;
  for (auto& ch : st.channels.rebalance(resend)) {
    if (!ch.lowering) {
      self->send(ch.handle, ready_atom::value, ch.count);
      continue;
    }
    // Deliveries it sent under the higher share arrive before its answer;
    // until then its old share still counts against the client's RDY.
    auto who = ch.handle.address();
    self->request(ch.handle, caf::infinite, ready_atom::value, ch.count)
        .then(
            [=] {
              self->state.channels.confirmed(who);
              if (self->state.channels.held_back())
                apply_ready(self);
            },
            [=](caf::error&) {}); // gone: its down message detaches it
  }
  arm_rotation(self);
}

void after_ack(session_actor* self) {
  if (self->state.channels.multi() && self->state.channels.held_back())
    apply_ready(self);
}

void on_rdy_tick(session_actor* self, uint64_t gen) {
  auto& st = self->state;
  if (gen != st.rdy_tick_gen)
    return;
  st.rdy_ticking = false;
  if (!st.channels.ticks())
    return; // one channel or RDY 0: no timer
  st.channels.tick();
  apply_ready(self);
}

void on_released(session_actor* self, const std::vector<message_id>& ids) {
  auto& st = self->state;
  auto n = static_cast<int64_t>(ids.size());
  st.counters.in_flight = std::max<int64_t>(0, st.counters.in_flight - n);
  auto* c = st.channels.find(caf::actor_cast<caf::actor_addr>(self->current_sender()));
  if (c == nullptr)
    return;
  st.channels.released(*c, ids);
  after_ack(self);
}

void unsubscribe_all(session_actor* self) {
  auto& st = self->state;
  if (st.channels.empty())
    return;
  send_pending_fins(self);
  for (auto& c : st.channels.all())
    self->send(c.handle, unsubscribe_atom::value);
}

} // namespace nsq
