#include "actors/lookupd_coordinator.hpp"

#include "actors/admin_messages.hpp"
#include "actors/log.hpp"
#include "actors/lookupd_discovery.hpp"
#include "actors/lookupd_messages.hpp"
#include "actors/lookupd_peer.hpp"
#include "actors/lookupd_registrations.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <utility>

namespace nsq {

namespace {

using namespace std::chrono_literals;

/// nsqd's lookupLoop ticker.
constexpr auto ping_interval = 15s;

struct peer_slot {
  std::string address;
  caf::actor handle;
};

struct coordinator_state {
  lookupd_coordinator_config cfg;
  lookupd_registrations registered;
  std::vector<peer_slot> peers;               ///< in configuration order
  std::map<std::string, std::string> http_of; ///< tcp address → lookupd HTTP address
  bool started = false;                       ///< IDENTIFY known: peers may run
  bool starting = false;                      ///< waiting for the broker's restore
  caf::actor broker;                          ///< from lk_watch; invalid in tests
  /// Notifications from before the start (topics restored from nsqd.dat):
  /// nsqd queues these too and sends them after the connect-time
  /// registration, so a lookupd sees restored topics twice.
  std::vector<lookup_command> before_start;
  static inline const char* name = "lookupd_coordinator";
};

using coordinator_actor = caf::stateful_actor<coordinator_state>;

bool has_peer(const coordinator_state& st, const std::string& address) {
  return std::any_of(st.peers.begin(), st.peers.end(),
                     [&](const peer_slot& p) { return p.address == address; });
}

/// Adds a peer for every configured address that has none (nsqd: "adding
/// peer", then Command(nil) to start the connection).
void connect_new(coordinator_actor* self) {
  auto& st = self->state;
  if (!st.started)
    return;
  for (auto& address : st.cfg.addresses) {
    if (has_peer(st, address))
      continue;
    log_info("LOOKUP(" + address + "): adding peer");
    lookupd_peer_config pc{address, st.cfg.identity, st.cfg.max_body_size,
                           st.cfg.transport, caf::actor_cast<caf::actor>(self)};
    auto peer = spawn_lookupd_peer(self->system(), std::move(pc), st.registered);
    self->send(peer, lk_cmd_atom::value, lookup_command{lookup_op::connect_only, {}, {}});
    st.peers.push_back({address, peer});
  }
}

void forward(coordinator_actor* self, lookup_command& cmd) {
  auto& st = self->state;
  st.registered.apply(cmd);
  if (!st.started && cmd.op != lookup_op::ping)
    st.before_start.push_back(cmd);
  for (auto& p : st.peers)
    self->send(p.handle, lk_cmd_atom::value, cmd);
}

void ping_all(coordinator_actor* self) {
  lookup_command ping{lookup_op::ping, {}, {}};
  forward(self, ping);
  self->delayed_send(self, ping_interval, lk_ping_atom::value);
}

/// PUT /config/nsqlookupd_tcp_addresses: closes peers not in the list,
/// connects new ones.
std::vector<std::string> set_addresses(coordinator_actor* self,
                                       std::vector<std::string>& addresses) {
  auto& st = self->state;
  st.cfg.addresses = std::move(addresses);
  auto& keep = st.cfg.addresses;
  std::vector<peer_slot> kept;
  for (auto& p : st.peers) {
    if (std::find(keep.begin(), keep.end(), p.address) != keep.end()) {
      kept.push_back(p);
      continue;
    }
    log_info("LOOKUP(" + p.address + "): removing peer");
    self->send_exit(p.handle, caf::exit_reason::user_shutdown);
    st.http_of.erase(p.address);
  }
  st.peers = std::move(kept);
  connect_new(self);
  return st.cfg.addresses;
}

/// The HTTP addresses of peers whose lookupd reported one (nsqd's
/// lookupdHTTPAddrs: kept after a disconnect, as nsqd keeps lp.Info).
std::vector<std::string> http_addresses(const coordinator_state& st) {
  std::vector<std::string> out;
  for (auto& p : st.peers)
    if (auto it = st.http_of.find(p.address);
        it != st.http_of.end() && !it->second.empty())
      out.push_back(it->second);
  return out;
}

/// nsqd's GetTopic step 2 (§11.2): the lookupds that reported an HTTP
/// address are asked; with none, nothing is (nsqd logs when some are
/// configured).
void query_channels(coordinator_actor* self, const std::string& topic,
                    caf::response_promise rp) {
  auto& st = self->state;
  auto addrs = http_addresses(st);
  if (addrs.empty()) {
    if (!st.cfg.addresses.empty())
      log_error("no available nsqlookupd to query for channels to pre-create for topic " +
                topic);
    rp.deliver(std::vector<std::string>{});
    return;
  }
  discover_lookupd_channels(self, std::move(addrs), topic, st.cfg.http, st.cfg.client,
                            rp);
}

caf::result<std::vector<std::string>> discover(coordinator_actor* self,
                                               const std::string& topic) {
  auto rp = self->make_response_promise();
  query_channels(self, topic, rp);
  return rp;
}

/// Connects every peer; the notices queued before follow their connect-time
/// registration.
void start_peers(coordinator_actor* self) {
  auto& st = self->state;
  if (st.started)
    return;
  st.started = true;
  connect_new(self);
  for (auto& p : st.peers)
    for (auto& cmd : st.before_start)
      self->send(p.handle, lk_cmd_atom::value, cmd);
  st.before_start.clear();
  self->delayed_send(self, ping_interval, lk_ping_atom::value);
}

/// nsqd loads nsqd.dat before its lookup loop starts: the peers start once
/// the broker's restored topics made their channels, so the connect-time
/// registration lists them (a race otherwise: "REGISTER t" without its
/// channels).
void start(coordinator_actor* self) {
  auto& st = self->state;
  if (!st.broker) {
    start_peers(self);
    return;
  }
  st.starting = true;
  self->request(st.broker, caf::infinite, restored_atom::value)
      .then([=](bool) { start_peers(self); },
            [=](caf::error&) { start_peers(self); }); // its down message ends us
}

void on_exit(coordinator_actor* self, const caf::exit_msg& em) {
  for (auto& p : self->state.peers)
    self->send_exit(p.handle, em.reason);
  log_info("LOOKUP: closing");
  self->quit(em.reason);
}

caf::behavior coordinator_behavior(coordinator_actor* self,
                                   std::shared_ptr<lookupd_coordinator_config> cfg) {
  self->state.cfg = std::move(*cfg);
  self->set_exit_handler([=](caf::exit_msg& em) { on_exit(self, em); });
  self->set_down_handler([=](caf::down_msg& dm) {
    on_exit(self, caf::exit_msg{dm.source, dm.reason});
  });
  return {
      [=](lk_watch_atom, const caf::actor& broker) {
        self->monitor(broker);
        self->state.broker = broker;
      },
      [=](lk_start_atom, std::string& broadcast, std::string& hostname, int64_t http_port,
          int64_t tcp_port) {
        auto& st = self->state;
        if (st.started || st.starting)
          return;
        st.cfg.identity = {std::move(broadcast), std::move(hostname), http_port,
                           tcp_port};
        start(self);
      },
      [=](lk_cmd_atom, lookup_command& cmd) { forward(self, cmd); },
      [=](lk_ping_atom) { ping_all(self); },
      [=](lk_info_atom, const std::string& address, std::string& http,
          const std::string& line) {
        if (has_peer(self->state, address))
          self->state.http_of[address] = std::move(http);
        log_info(line);
      },
      [=](lk_chans_atom, const std::string& topic) { return discover(self, topic); },
      [=](lk_addrs_atom) { return self->state.cfg.addresses; },
      [=](lk_addrs_atom, std::vector<std::string>& addresses) {
        return set_addresses(self, addresses);
      },
  };
}

} // namespace

caf::actor spawn_lookupd_coordinator(caf::actor_system& sys,
                                     lookupd_coordinator_config cfg) {
  return sys.spawn(coordinator_behavior,
                   std::make_shared<lookupd_coordinator_config>(std::move(cfg)));
}

} // namespace nsq
