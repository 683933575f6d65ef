#include "actors/cluster_messages.hpp"
#include "actors/log.hpp"
#include "actors/session_state.hpp"
#include "protocol/names.hpp"

#include <caf/event_based_actor.hpp>
#include <caf/message.hpp>

#include <chrono>
#include <utility>

// The verbs that wait for another actor's reply: SUB (broker → topic →
// channel) and PUB/MPUB/DPUB (topic). The session is busy meanwhile, so later
// commands of the connection wait and see the effect (reference §5.3, §5.10).

namespace nsq {

namespace {

/// nsqd waits this long before it retries a SUB whose ephemeral topic or
/// channel was exiting.
constexpr auto sub_retry_delay = std::chrono::milliseconds(100);

/// Bounds the per-connection topic cache (a producer may publish to many).
constexpr size_t max_cached_topics = 256;

void subscribed(session_actor* self, const caf::actor& channel,
                const std::string& reason) {
  auto& st = self->state;
  if (!reason.empty()) {
    answer_error(self, fatal_error(codes::sub_failed, "SUB failed " + reason));
    return done_waiting(self);
  }
  // Joined even if the connection died meanwhile: then finish() leaves again.
  st.channel = channel;
  start_credit(st);
  self->monitor(channel);
  st.phase = session_phase::subscribed;
  respond(self, "OK");
  done_waiting(self);
}

consumer_info consumer_of(const session_state& st) {
  const auto& c = st.client;
  return consumer_info{c.msg_timeout_ms, c.sample_rate, c.client_id,
                       c.hostname,       c.user_agent,  st.remote};
}

/// Stops watching a topic we forget; its credit goes back to it.
void release_topic(session_actor* self, cached_topic& t) {
  self->demonitor(t.handle);
  if (t.credit > 0)
    self->send(t.handle, pub_return_atom::value);
  t.credit = 0;
}

void remember_topic(session_actor* self, const std::string& name,
                    const caf::actor& topic) {
  auto& st = self->state;
  if (st.topics.size() >= max_cached_topics) {
    for (auto& kv : st.topics)
      release_topic(self, kv.second);
    st.topics.clear();
  }
  if (st.topics.emplace(name, cached_topic{topic}).second)
    self->monitor(topic);
}

void forget_topic(session_actor* self, const std::string& name) {
  auto& st = self->state;
  auto i = st.topics.find(name);
  if (i == st.topics.end())
    return;
  release_topic(self, i->second);
  st.topics.erase(i);
}

/// Returns the cached topic whose actor sent the current message, or null.
cached_topic* sending_topic(session_actor* self) {
  auto sender = self->current_sender();
  for (auto& kv : self->state.topics)
    if (kv.second.handle.address() == sender)
      return &kv.second;
  return nullptr;
}

/// Counts a successful publish; the first one lists us under `producers`.
void count_publish(session_actor* self, const std::string& topic, uint64_t count) {
  auto& st = self->state;
  if (st.pub_counts.empty())
    self->send(st.broker, producer_atom::value);
  st.pub_counts[topic] += count;
}

/// Sends a publish the topic gave credit for and answers it at once (the
/// topic never refuses it; ordering with later publishes to the same topic
/// holds, since messages between two actors arrive in order).
bool publish_on_credit(session_actor* self, publish_args& args) {
  auto& st = self->state;
  auto i = st.topics.find(args.topic);
  auto n = args.bodies.size();
  if (i == st.topics.end() || i->second.credit < n || n == 0)
    return false;
  i->second.credit -= n;
  self->send(i->second.handle, pub_credited_atom::value, std::move(args.bodies),
             caf::timespan{args.defer});
  count_publish(self, args.topic, n);
  respond(self, "OK");
  return true;
}

void published(session_actor* self, const std::string& reason) {
  auto& st = self->state;
  if (reason.empty())
    count_publish(self, st.pub.topic, st.pub.count);
  if (reason.empty())
    respond(self, "OK");
  else
    answer_error(self, fatal_error(st.pub.failed_code,
                                   std::string(st.pub.verb) + " failed " + reason));
  st.pub = pending_publish{};
  done_waiting(self);
}

void send_publish(session_actor* self, const caf::actor& topic);

void resolve_topic(session_actor* self) {
  auto& st = self->state;
  self->request(st.broker, caf::infinite, get_topic_atom::value, st.pub.topic)
      .then(
          [=](caf::actor& topic) {
            remember_topic(self, self->state.pub.topic, topic);
            send_publish(self, topic);
          },
          [=](caf::error&) { published(self, "exiting"); });
}

void send_publish(session_actor* self, const caf::actor& topic) {
  auto& p = self->state.pub;
  // Holding a second reference would make the topic copy every body, so
  // only ephemeral topics, which quit on their own, get a retry copy.
  if (!p.retried && is_ephemeral(p.topic))
    p.retry_copy = p.msg;
  self->request(topic, caf::infinite, std::move(p.msg))
      .then([=](std::string& reason) { published(self, reason); },
            [=](caf::error&) {
              auto& p = self->state.pub;
              forget_topic(self, p.topic);
              if (p.retried || p.retry_copy.empty())
                return published(self, "exiting");
              p.retried = true;
              p.msg = std::move(p.retry_copy);
              resolve_topic(self);
            });
}

} // namespace

void subscribe(session_actor* self, std::string topic, std::string channel,
               bool may_retry) {
  auto& st = self->state;
  st.busy = true;
  // The topic or channel quit between lookup and join (ephemeral ones do).
  auto died = [=](caf::error&) {
    if (may_retry)
      return self->delayed_send(self, sub_retry_delay, sub_retry_atom::value, topic,
                                channel);
    answer_error(self,
                 fatal_error(codes::sub_failed, "SUB failed to deleted topic/channel"));
    done_waiting(self);
  };
  self->request(st.broker, caf::infinite, get_topic_atom::value, topic)
      .then(
          [=](caf::actor& t) {
            self->request(t, caf::infinite, get_channel_atom::value, channel)
                .then(
                    [=](caf::actor& c) {
                      self->request(c, caf::infinite, subscribe_atom::value,
                                    consumer_of(self->state))
                          .then(
                              [=](std::string& reason) {
                                subscribed(self, c, reason);
                                // The cluster's other members' channels
                                // (ignored by the broker without a cluster).
                                if (reason.empty())
                                  self->send(self->state.broker, cl_sub_atom::value,
                                             topic, channel);
                              },
                              died);
                    },
                    died);
          },
          [=](caf::error&) {
            answer_error(self, fatal_error(codes::sub_failed, "SUB failed exiting"));
            done_waiting(self);
          });
}

void publish(session_actor* self, const char* verb, const char* failed_code,
             publish_args&& args) {
  if (publish_on_credit(self, args))
    return;
  auto& st = self->state;
  st.busy = true;
  st.pub.topic = std::move(args.topic);
  st.pub.verb = verb;
  st.pub.failed_code = failed_code;
  st.pub.count = args.bodies.size();
  st.pub.msg = caf::make_message(publish_atom::value, std::move(args.bodies),
                                 caf::timespan{args.defer}, pub_grant_atom::value);
  auto i = st.topics.find(st.pub.topic);
  if (i != st.topics.end())
    send_publish(self, i->second.handle);
  else
    resolve_topic(self);
}

void on_down(session_actor* self, const caf::down_msg& msg) {
  auto& st = self->state;
  if (st.channel && msg.source == st.channel.address()) {
    // The channel was deleted (or the broker stops): nsqd closes its clients.
    log_info("PROTOCOL(V2): [" + st.remote + "] channel gone, closing");
    st.channel = nullptr;
    if (!st.dead) {
      flush(self);
      st.conn->close();
      st.dead = true;
    }
    return;
  }
  for (auto i = st.topics.begin(); i != st.topics.end(); ++i) {
    if (msg.source == i->second.handle.address()) {
      st.topics.erase(i); // a deleted topic drops what was sent on credit, as nsqd
      return;
    }
  }
}

void on_pub_grant(session_actor* self, uint64_t n) {
  if (auto t = sending_topic(self)) {
    t->credit += n;
    return;
  }
  // Forgotten meanwhile: give it back at once.
  auto topic = caf::actor_cast<caf::actor>(self->current_sender());
  if (topic)
    self->send(topic, pub_return_atom::value);
}

void on_pub_revoke(session_actor* self) {
  if (auto t = sending_topic(self))
    t->credit = 0;
  // Everything sent on credit is ahead of this in the topic's mailbox.
  auto topic = caf::actor_cast<caf::actor>(self->current_sender());
  if (topic)
    self->send(topic, pub_return_atom::value);
}

} // namespace nsq
