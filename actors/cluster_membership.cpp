#include "actors/cluster_membership.hpp"

#include "actors/cluster_messages.hpp"
#include "actors/log.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <map>
#include <random>

namespace nsq {

namespace {

/// What this node knows of one member.
struct member_entry {
  member_info info;
  member_state state = member_state::joining;
  int64_t since_ms = 0;
  caf::actor peer; ///< its membership actor while alive (monitored)
};

/// An address we connect to: a seed, or a member's cluster address.
struct target {
  std::string member;    ///< identity behind it, once it answered a join
  caf::timespan backoff; ///< delay before the next attempt after a failure
  uint64_t gen = 0;      ///< stamps retry timers: older ones are stale
  bool connecting = false;
};

struct membership_state {
  membership_config cfg;
  member_info me; ///< this node, once started
  std::string self_id;
  std::map<std::string, member_entry> members; ///< by identity
  std::map<std::string, target> targets;       ///< by cluster address
  std::vector<caf::actor> watchers;
  caf::actor directory; ///< this node's channel directory, once it introduced itself
  std::minstd_rand random{std::random_device{}()}; ///< for the retries' jitter
  static inline const char* name = "cluster_membership";
};

using membership_actor = caf::stateful_actor<membership_state>;

int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void notify(membership_actor* self, const member_entry& m) {
  for (auto& w : self->state.watchers)
    self->send(w, cl_event_atom::value, member_event{m.info, m.state, m.peer});
}

void set_state(membership_actor* self, member_entry& m, member_state s) {
  if (m.state == s)
    return;
  log_info("CLUSTER: member " + member_id(m.info) + " " + state_name(m.state) + " -> " +
           state_name(s));
  m.state = s;
  m.since_ms = unix_now_ms();
  notify(self, m);
}

void connect(membership_actor* self, const std::string& address);

/// The back-off plus its random jitter (`retry_jitter`).
caf::timespan jittered(membership_actor* self, caf::timespan backoff) {
  auto share = self->state.cfg.retry_jitter;
  if (share <= 0)
    return backoff;
  std::uniform_real_distribution<double> extra{0, share};
  return backoff +
         std::chrono::duration_cast<caf::timespan>(backoff * extra(self->state.random));
}

/// Schedules the next attempt to reach `address` and doubles its back-off.
void schedule_retry(membership_actor* self, const std::string& address) {
  auto& t = self->state.targets[address];
  self->delayed_send(self, jittered(self, t.backoff), cl_retry_atom::value, address,
                     ++t.gen);
  t.backoff = std::min(t.backoff * 2, self->state.cfg.retry_max);
}

/// A connect or join to `address` failed: its member (if known and not
/// alive through another connection) is down; try again later.
void failed(membership_actor* self, const std::string& address, const caf::error& why) {
  auto& t = self->state.targets[address];
  t.connecting = false;
  auto m = self->state.members.find(t.member);
  if (m != self->state.members.end()) {
    if (m->second.state == member_state::alive)
      return; // it reached us meanwhile; its death restarts the retries
    set_state(self, m->second, member_state::down);
  }
  log_debug("CLUSTER: cannot reach " + address + " - " + self->system().render(why));
  schedule_retry(self, address);
}

/// Makes `address` a target naming member `id` ("" for a seed not yet
/// answered); a new target starts with the shortest back-off.
void ensure_target(membership_actor* self, const std::string& address,
                   const std::string& id) {
  auto& t = self->state.targets[address];
  if (t.backoff == caf::timespan{0})
    t.backoff = self->state.cfg.retry_min;
  t.member = id;
}

/// Records that `info` is alive, reached through `peer`.
void mark_alive(membership_actor* self, const member_info& info, const caf::actor& peer) {
  auto id = member_id(info);
  auto& m = self->state.members[id];
  if (m.since_ms == 0)
    m.since_ms = unix_now_ms();
  m.info = info;
  if (m.peer != peer) {
    self->monitor(peer);
    m.peer = peer;
  }
  ensure_target(self, info.cluster_address, id);
  auto& t = self->state.targets[info.cluster_address];
  t.backoff = self->state.cfg.retry_min;
  ++t.gen; // pending retry timers are stale now
  if (m.state != member_state::alive)
    set_state(self, m, member_state::alive);
}

/// A member was named by a peer (join answer or gossip): connect to it
/// unless it is alive in this incarnation or is this node.
void learn(membership_actor* self, const member_info& info) {
  auto id = member_id(info);
  if (id == self->state.self_id)
    return;
  auto [it, fresh] = self->state.members.try_emplace(id);
  auto& m = it->second;
  if (!fresh && info.incarnation < m.info.incarnation)
    return; // news of an earlier run
  bool newer = info.incarnation > m.info.incarnation;
  if (!fresh && m.state == member_state::alive && !newer)
    return;
  m.info = info;
  if (fresh) {
    m.since_ms = unix_now_ms();
    notify(self, m);
  }
  ensure_target(self, info.cluster_address, id);
  auto& t = self->state.targets[info.cluster_address];
  t.backoff = self->state.cfg.retry_min; // news: try at once
  connect(self, info.cluster_address);
}

/// The member at `address` answered our join with `list` (itself first).
void joined(membership_actor* self, const std::string& address, const caf::actor& peer,
            const std::vector<member_info>& list) {
  auto& t = self->state.targets[address];
  t.connecting = false;
  if (list.empty())
    return failed(self, address, caf::make_error(caf::sec::invalid_argument));
  auto id = member_id(list.front());
  if (id == self->state.self_id) {
    self->state.targets.erase(address); // a seed naming this node
    return;
  }
  t.member = id;
  mark_alive(self, list.front(), peer);
  for (size_t i = 1; i < list.size(); ++i)
    learn(self, list[i]);
}

void join(membership_actor* self, const std::string& address, const caf::actor& peer) {
  self->request(peer, self->state.cfg.ask_timeout, cl_join_atom::value, self->state.me)
      .then(
          [=](const std::vector<member_info>& list) {
            joined(self, address, peer, list);
          },
          [=](caf::error& err) { failed(self, address, err); });
}

void connect(membership_actor* self, const std::string& address) {
  auto& t = self->state.targets[address];
  if (t.connecting)
    return;
  std::string host;
  uint16_t port = 0;
  if (!split_cluster_address(address, host, port)) {
    log_error("CLUSTER: invalid cluster address " + address);
    self->state.targets.erase(address);
    return;
  }
  t.connecting = true;
  ++t.gen;
  self->request(self->state.cfg.connector, self->state.cfg.ask_timeout,
                caf::connect_atom::value, host, port)
      .then(
          [=](caf::node_id&, caf::strong_actor_ptr& ptr, std::set<std::string>&) {
            if (!ptr)
              return failed(self, address,
                            caf::make_error(caf::sec::no_actor_published_at_port));
            join(self, address, caf::actor_cast<caf::actor>(ptr));
          },
          [=](caf::error& err) { failed(self, address, err); });
}

/// Answers a join: the joiner is alive; the others hear of it.
std::vector<member_info> on_join(membership_actor* self, const member_info& joiner) {
  auto& st = self->state;
  auto peer = caf::actor_cast<caf::actor>(self->current_sender());
  std::vector<member_info> list{st.me};
  auto id = member_id(joiner);
  if (id == st.self_id || !peer)
    return list;
  auto known = st.members.find(id);
  bool news = known == st.members.end() || known->second.peer != peer ||
              known->second.state != member_state::alive;
  mark_alive(self, joiner, peer);
  for (auto& [other, m] : st.members) {
    if (other == id || m.state != member_state::alive)
      continue;
    list.push_back(m.info);
    if (news)
      self->send(m.peer, cl_gossip_atom::value, joiner);
  }
  return list;
}

/// A monitored member (or watcher) ended: its connection broke or it quit.
void on_down(membership_actor* self, const caf::down_msg& dm) {
  auto& st = self->state;
  st.watchers.erase(std::remove_if(st.watchers.begin(), st.watchers.end(),
                                   [&](const caf::actor& w) { return w == dm.source; }),
                    st.watchers.end());
  for (auto& [id, m] : st.members) {
    if (!m.peer || m.peer != dm.source)
      continue;
    m.peer = nullptr;
    set_state(self, m, member_state::suspect);
    auto& t = st.targets[m.info.cluster_address];
    t.backoff = st.cfg.retry_min;
    t.connecting = false; // a join in flight to it fails on its own
    connect(self, m.info.cluster_address);
  }
}

cluster_view view_of(const membership_state& st) {
  cluster_view v;
  v.self = st.me;
  v.tls = st.cfg.tls;
  for (auto& [id, m] : st.members)
    v.members.push_back(member_view{m.info, m.state, m.since_ms});
  return v;
}

void on_watch(membership_actor* self) {
  auto w = caf::actor_cast<caf::actor>(self->current_sender());
  if (!w)
    return;
  self->monitor(w);
  self->state.watchers.push_back(w);
  for (auto& [id, m] : self->state.members)
    self->send(w, cl_event_atom::value, member_event{m.info, m.state, m.peer});
}

caf::result<caf::actor> broker_of(membership_actor* self, const std::string& id) {
  auto m = self->state.members.find(id);
  if (m == self->state.members.end() || m->second.state != member_state::alive)
    return caf::make_error(caf::sec::invalid_argument, "member not alive: " + id);
  auto rp = self->make_response_promise<caf::actor>();
  self->request(m->second.peer, self->state.cfg.ask_timeout, cl_broker_atom::value)
      .then([=](caf::actor& b) mutable { rp.deliver(std::move(b)); },
            [=](caf::error& err) mutable { rp.deliver(std::move(err)); });
  return rp;
}

/// This node is published as `me`: join the seeds.
void start(membership_actor* self, const member_info& me) {
  auto& st = self->state;
  st.me = me;
  st.self_id = member_id(me);
  for (auto& seed : st.cfg.seeds) {
    if (seed == me.cluster_address)
      continue;
    ensure_target(self, seed, "");
    connect(self, seed);
  }
}

caf::behavior membership(membership_actor* self, membership_config cfg) {
  self->state.cfg = std::move(cfg);
  self->set_down_handler([=](caf::down_msg& dm) { on_down(self, dm); });
  return {
      [=](cl_start_atom, const member_info& me) { start(self, me); },
      [=](cl_join_atom, const member_info& joiner) { return on_join(self, joiner); },
      [=](cl_gossip_atom, const member_info& info) { learn(self, info); },
      [=](cl_retry_atom, const std::string& address, uint64_t gen) {
        auto t = self->state.targets.find(address);
        if (t == self->state.targets.end() || t->second.gen != gen)
          return; // stale: connected meanwhile, or a newer timer runs
        connect(self, address);
      },
      [=](cl_view_atom) { return view_of(self->state); },
      [=](cl_watch_atom) { on_watch(self); },
      [=](cl_unwatch_atom) {
        auto& w = self->state.watchers;
        auto who = caf::actor_cast<caf::actor>(self->current_sender());
        w.erase(std::remove(w.begin(), w.end(), who), w.end());
      },
      [=](cl_broker_atom) { return self->state.cfg.broker; },
      [=](cl_broker_atom, const std::string& id) { return broker_of(self, id); },
      [=](cl_directory_atom, const caf::actor& dir) { self->state.directory = dir; },
      [=](cl_directory_atom) -> caf::result<caf::actor, int64_t> {
        if (!self->state.directory)
          return caf::make_error(caf::sec::invalid_argument, "no channel directory");
        return {self->state.directory, self->state.cfg.node_id};
      },
  };
}

} // namespace

bool split_cluster_address(const std::string& address, std::string& host,
                           uint16_t& port) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size())
    return false;
  host = address.substr(0, colon);
  if (host.front() == '[') {
    if (host.size() < 3 || host.back() != ']')
      return false;
    host = host.substr(1, host.size() - 2);
  }
  auto digits = address.substr(colon + 1);
  if (digits.size() > 5 || digits.find_first_not_of("0123456789") != std::string::npos)
    return false;
  auto value = std::stoul(digits);
  if (value > 65535)
    return false;
  port = static_cast<uint16_t>(value);
  return true;
}

void add_cluster_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<member_info>("nsq_member_info");
  cfg.add_message_type<std::vector<member_info>>("nsq_member_info_list");
  cfg.add_message_type<member_view>("nsq_member_view");
  cfg.add_message_type<cluster_view>("nsq_cluster_view");
  cfg.add_message_type<member_event>("nsq_member_event");
  cfg.add_message_type<channel_key>("nsq_channel_key");
  cfg.add_message_type<std::vector<channel_key>>("nsq_channel_key_list");
}

caf::actor spawn_membership(caf::actor_system& sys, membership_config cfg) {
  return sys.spawn(membership, std::move(cfg));
}

} // namespace nsq
