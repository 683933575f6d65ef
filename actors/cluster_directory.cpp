#include "actors/cluster_directory.hpp"

#include "actors/cluster_messages.hpp"
#include "actors/log.hpp"
#include "actors/messages.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace nsq {

namespace {

/// An alive member as this directory knows it.
struct member_link {
  caf::actor membership; ///< its membership actor (from cl_event)
  caf::actor directory;  ///< its directory, once it answered cl_directory
  uint64_t gen = 0;      ///< stamps answers and retries: older ones are stale
  /// It was alive before in this run: it may still hold our channels that
  /// dropped its sessions (it missed the break), so it gets cl_reset.
  bool returned = false;
};

struct directory_state {
  directory_config cfg;
  /// Local sessions by the pair they subscribed to (monitored).
  std::map<channel_key, std::set<caf::actor>> interests;
  /// Channels members answered with, by pair and member id (monitored).
  std::map<channel_key, std::map<std::string, caf::actor>> found;
  std::map<std::string, member_link> members; ///< alive members by id
  std::set<std::string> seen;                 ///< members ever alive
  /// Other members' directories and the pairs they want of this node.
  std::map<caf::actor, std::set<channel_key>> requesters;
  uint64_t next_gen = 0;
  static inline const char* name = "cluster_directory";
};

using directory_actor = caf::stateful_actor<directory_state>;

std::string text_of(const channel_key& k) {
  return k.topic + "/" + k.channel;
}

// -- answering other members' wants ----------------------------------------

/// Sends `requester` channel `key.channel` of local topic `t` (created as a
/// SUB would), unless it withdrew the pair meanwhile.
void offer_from(directory_actor* self, const caf::actor& requester,
                const channel_key& key, const caf::actor& t) {
  self->request(t, self->state.cfg.ask_timeout, get_channel_atom::value, key.channel)
      .then(
          [=](const caf::actor& ch) {
            auto r = self->state.requesters.find(requester);
            if (r == self->state.requesters.end() || r->second.count(key) == 0)
              return;
            self->send(requester, cl_found_atom::value, key.topic, key.channel, ch);
          },
          [=](caf::error& err) {
            log_debug("CLUSTER: no channel " + text_of(key) + " for a member - " +
                      self->system().render(err));
          });
}

/// Offers `key` to `requester` if its topic exists here (never created).
void offer(directory_actor* self, const caf::actor& requester, const channel_key& key) {
  self->request(self->state.cfg.broker, self->state.cfg.ask_timeout, find_atom::value,
                key.topic)
      .then([=](const caf::actor& t) { offer_from(self, requester, key, t); },
            [=](caf::error&) { // no such topic yet: cl_topic brings it later
              log_debug("CLUSTER: a member wants " + text_of(key) + ": no topic " +
                        key.topic + " here yet");
            });
}

void on_want(directory_actor* self, const std::vector<channel_key>& keys) {
  auto requester = caf::actor_cast<caf::actor>(self->current_sender());
  if (!requester)
    return;
  auto [it, fresh] = self->state.requesters.try_emplace(requester);
  if (fresh)
    self->monitor(requester);
  for (auto& key : keys) {
    it->second.insert(key);
    offer(self, requester, key); // again too: its channel may have gone
  }
}

void on_unwant(directory_actor* self, const std::vector<channel_key>& keys) {
  auto r =
      self->state.requesters.find(caf::actor_cast<caf::actor>(self->current_sender()));
  if (r == self->state.requesters.end())
    return;
  for (auto& key : keys)
    r->second.erase(key);
}

/// Topic `name` was created here: members wanting its channels get them.
void on_topic(directory_actor* self, const std::string& name, const caf::actor& t) {
  for (auto& [requester, keys] : self->state.requesters)
    for (auto& key : keys)
      if (key.topic == name)
        offer_from(self, requester, key, t);
}

// -- this node's subscribers -------------------------------------------------

std::vector<channel_key> interest_list(const directory_state& st) {
  std::vector<channel_key> out;
  for (auto& [key, sessions] : st.interests)
    out.push_back(key);
  return out;
}

/// Tells every member's directory (known so far) about `keys`.
void tell_members(directory_actor* self, caf::atom_value op,
                  const std::vector<channel_key>& keys) {
  for (auto& [id, m] : self->state.members)
    if (m.directory)
      self->send(m.directory, op, keys);
}

void on_sub(directory_actor* self, const std::string& topic, const std::string& channel) {
  auto session = caf::actor_cast<caf::actor>(self->current_sender());
  if (!session)
    return;
  channel_key key{topic, channel};
  auto& sessions = self->state.interests[key];
  bool fresh_key = sessions.empty();
  if (!sessions.insert(session).second)
    return;
  self->monitor(session);
  if (fresh_key)
    tell_members(self, cl_want_atom::value, {key});
  if (auto f = self->state.found.find(key); f != self->state.found.end())
    for (auto& [id, ch] : f->second)
      self->send(session, cl_attach_atom::value, id, ch);
}

/// The last local subscriber of `key` left: members stop offering it.
void withdraw(directory_actor* self, const channel_key& key) {
  auto& st = self->state;
  st.interests.erase(key);
  if (auto f = st.found.find(key); f != st.found.end()) {
    for (auto& [id, ch] : f->second)
      self->demonitor(ch);
    st.found.erase(f);
  }
  tell_members(self, cl_unwant_atom::value, {key});
}

/// The alive member whose directory sent the current message, or end().
std::map<std::string, member_link>::iterator sending_member(directory_actor* self) {
  auto& members = self->state.members;
  auto sender = caf::actor_cast<caf::actor_addr>(self->current_sender());
  return std::find_if(members.begin(), members.end(), [&](auto& entry) {
    return entry.second.directory && entry.second.directory.address() == sender;
  });
}

/// Member `from`'s directory answered with `ch` for a pair: attach it to
/// every local subscriber of the pair.
void on_found(directory_actor* self, const std::string& topic, const std::string& channel,
              const caf::actor& ch) {
  auto& st = self->state;
  auto m = sending_member(self);
  channel_key key{topic, channel};
  auto interested = st.interests.find(key);
  if (m == st.members.end() || interested == st.interests.end() || !ch)
    return; // a member gone meanwhile, or a pair withdrawn
  auto& slot = st.found[key][m->first];
  if (slot == ch)
    return;
  slot = ch;
  self->monitor(ch);
  log_info("CLUSTER: channel " + text_of(key) + " of member " + m->first + " -> " +
           std::to_string(interested->second.size()) + " local subscriber(s)");
  for (auto& session : interested->second)
    self->send(session, cl_attach_atom::value, m->first, ch);
}

// -- members -----------------------------------------------------------------

/// Forgets the channels member `id` answered with (sessions detach from
/// them on their own down messages).
void forget_channels_of(directory_actor* self, const std::string& id) {
  for (auto& [key, by_member] : self->state.found)
    if (auto it = by_member.find(id); it != by_member.end()) {
      self->demonitor(it->second);
      by_member.erase(it);
    }
}

void ask_directory(directory_actor* self, const std::string& id) {
  auto& m = self->state.members[id];
  auto gen = m.gen;
  self->request(m.membership, self->state.cfg.ask_timeout, cl_directory_atom::value)
      .then(
          [=](const caf::actor& dir, int64_t node_id) {
            auto it = self->state.members.find(id);
            if (it == self->state.members.end() || it->second.gen != gen)
              return;
            if (node_id >= 0 && node_id == self->state.cfg.node_id)
              log_warn("CLUSTER: member " + id + " has our node id " +
                       std::to_string(node_id) +
                       ": message IDs can collide (give each member its own --node-id)");
            it->second.directory = dir;
            if (it->second.returned) // before the wants: they must survive it
              self->send(dir, cl_reset_atom::value);
            auto keys = interest_list(self->state);
            if (!keys.empty())
              self->send(dir, cl_want_atom::value, keys);
          },
          [=](caf::error& err) {
            auto it = self->state.members.find(id);
            if (it == self->state.members.end() || it->second.gen != gen)
              return;
            log_warn("CLUSTER: no channel directory from member " + id + " - " +
                     self->system().render(err) + " (asking again)");
            self->delayed_send(self, self->state.cfg.retry, cl_dretry_atom::value, id,
                               gen);
          });
}

void on_event(directory_actor* self, const member_event& e) {
  auto id = member_id(e.info);
  auto& members = self->state.members;
  if (e.state != member_state::alive || !e.membership) {
    if (members.erase(id) != 0)
      forget_channels_of(self, id);
    return;
  }
  if (auto it = members.find(id);
      it != members.end() && it->second.membership == e.membership)
    return;                     // the same run, already asked
  forget_channels_of(self, id); // an earlier run's channels
  bool returned = !self->state.seen.insert(id).second;
  members[id] = member_link{e.membership, nullptr, ++self->state.next_gen, returned};
  ask_directory(self, id);
}

/// A member lost us while we did not notice (cl_reset_atom): its channels
/// dropped our sessions and it forgot our wants. Detach the sessions from
/// its channels and want again; its cl_found attaches them afresh.
void on_reset(directory_actor* self) {
  auto& st = self->state;
  auto m = sending_member(self);
  if (m == st.members.end())
    return; // not (yet) known as alive: we hold nothing of it
  auto& id = m->first;
  log_info("CLUSTER: member " + id + " lost this node: reattaching its channels");
  std::set<caf::actor> sessions;
  for (auto& [key, by_member] : st.found)
    if (by_member.count(id) != 0)
      if (auto i = st.interests.find(key); i != st.interests.end())
        sessions.insert(i->second.begin(), i->second.end());
  forget_channels_of(self, id);
  for (auto& session : sessions)
    self->send(session, cl_detach_atom::value, id);
  auto keys = interest_list(st);
  if (!keys.empty())
    self->send(m->second.directory, cl_want_atom::value, keys);
}

void on_retry(directory_actor* self, const std::string& id, uint64_t gen) {
  auto it = self->state.members.find(id);
  if (it != self->state.members.end() && it->second.gen == gen && !it->second.directory)
    ask_directory(self, id);
}

// -- down messages -----------------------------------------------------------

void session_down(directory_actor* self, const caf::actor_addr& who) {
  std::vector<channel_key> empty;
  for (auto& [key, sessions] : self->state.interests) {
    for (auto it = sessions.begin(); it != sessions.end(); ++it)
      if (it->address() == who) {
        sessions.erase(it);
        break;
      }
    if (sessions.empty())
      empty.push_back(key);
  }
  for (auto& key : empty)
    withdraw(self, key);
}

/// A found channel ended (deleted, or its member died): if its member is
/// still here and the pair still wanted, ask for the pair again, as a
/// reconnecting consumer would SUB again.
void channel_down(directory_actor* self, const caf::actor_addr& who) {
  auto& st = self->state;
  for (auto& [key, by_member] : st.found)
    for (auto it = by_member.begin(); it != by_member.end(); ++it) {
      if (it->second.address() != who)
        continue;
      auto id = it->first;
      by_member.erase(it);
      auto m = st.members.find(id);
      if (m != st.members.end() && m->second.directory && st.interests.count(key) != 0)
        self->send(m->second.directory, cl_want_atom::value,
                   std::vector<channel_key>{key});
      return;
    }
}

void on_down(directory_actor* self, const caf::down_msg& dm) {
  if (dm.source == self->state.cfg.membership)
    return self->quit(dm.reason);
  auto& requesters = self->state.requesters;
  for (auto it = requesters.begin(); it != requesters.end(); ++it)
    if (it->first.address() == dm.source) {
      requesters.erase(it);
      return;
    }
  session_down(self, dm.source);
  channel_down(self, dm.source);
}

caf::behavior directory(directory_actor* self, directory_config cfg) {
  self->state.cfg = std::move(cfg);
  self->set_down_handler([=](caf::down_msg& dm) { on_down(self, dm); });
  // An error message (e.g. from a session that does not understand
  // cl_attach) must not end the directory, as CAF's default handler would.
  self->set_error_handler([=](caf::error& err) {
    log_debug("CLUSTER: directory got " + self->system().render(err));
  });
  if (self->state.cfg.membership) {
    self->monitor(self->state.cfg.membership); // leaves the cluster with it
    self->send(self->state.cfg.membership, cl_watch_atom::value);
  }
  return {
      [=](cl_sub_atom, const std::string& topic, const std::string& channel) {
        on_sub(self, topic, channel);
      },
      [=](cl_event_atom, const member_event& e) { on_event(self, e); },
      [=](cl_dretry_atom, const std::string& id, uint64_t gen) {
        on_retry(self, id, gen);
      },
      [=](cl_found_atom, const std::string& topic, const std::string& channel,
          const caf::actor& ch) { on_found(self, topic, channel, ch); },
      [=](cl_want_atom, const std::vector<channel_key>& keys) { on_want(self, keys); },
      [=](cl_reset_atom) { on_reset(self); },
      [=](cl_unwant_atom, const std::vector<channel_key>& keys) {
        on_unwant(self, keys);
      },
      [=](cl_topic_atom, const std::string& name, const caf::actor& t) {
        on_topic(self, name, t);
      },
  };
}

} // namespace

caf::actor spawn_directory(caf::actor_system& sys, directory_config cfg) {
  auto broker = cfg.broker;
  auto membership = cfg.membership;
  auto dir = sys.spawn(directory, std::move(cfg));
  if (broker)
    caf::anon_send(broker, cl_directory_atom::value, dir);
  if (membership)
    caf::anon_send(membership, cl_directory_atom::value, dir);
  return dir;
}

} // namespace nsq
