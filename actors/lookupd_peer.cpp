#include "actors/lookupd_peer.hpp"

#include "actors/log.hpp"
#include "actors/lookupd_messages.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <chrono>
#include <deque>
#include <utility>

namespace nsq {

namespace {

using namespace std::chrono_literals;

/// Where the peer is in its current command's round trips.
enum class phase { idle, dialing, identifying, registering, commanding };

struct lookupd_peer_state {
  lookupd_peer_config cfg;
  std::shared_ptr<lookupd_transport> link;
  lookupd_registrations registered;
  std::deque<lookup_command> queue; ///< waiting for the current command
  lookup_command current;           ///< being sent (after a connect sequence)
  std::deque<lookup_command> steps; ///< re-registration of a fresh connection
  phase ph = phase::idle;
  bool connected = false;
  uint64_t generation = 0; ///< answers of an older operation are stale
  caf::actor_clock::time_point retry_at{};
  caf::timespan backoff{0};

  static inline const char* name = "lookupd_peer";
};

using peer_actor = caf::stateful_actor<lookupd_peer_state>;

void next(peer_actor* self);

std::string prefix(const peer_actor* self) {
  return "LOOKUPD(" + self->state.cfg.address + "): ";
}

/// nsqd's lookupLoop logs each command before it hands it to the peer.
void log_queued(peer_actor* self, const lookup_command& c) {
  if (c.op == lookup_op::ping)
    log_debug(prefix(self) + "sending heartbeat");
  else if (c.op != lookup_op::connect_only)
    log_info(prefix(self) + (c.channel.empty() ? "topic " : "channel ") +
             lookup_command_text(c));
}

/// The caller's view of a failed command (nsqd: `LOOKUPD(addr): CMD - err`;
/// the startup connection attempt fails silently).
void log_failed(peer_actor* self, const lookup_command& c, const std::string& err) {
  if (c.op != lookup_op::connect_only)
    log_error(prefix(self) + lookup_command_text(c) + " - " + err);
}

void close_link(peer_actor* self) {
  auto& st = self->state;
  st.link->close();
  st.connected = false;
  ++st.generation; // whatever is still in flight is stale now
}

/// A connection attempt failed: wait before dialing again.
void connect_failed(peer_actor* self, const std::string& err) {
  auto& st = self->state;
  if (st.connected)
    close_link(self);
  log_failed(self, st.current, err);
  st.backoff = std::min<caf::timespan>(std::max<caf::timespan>(st.backoff * 2, 1s), 15s);
  st.retry_at = self->clock().now() + st.backoff;
  st.ph = phase::idle;
  next(self);
}

void send_bytes(peer_actor* self, std::string bytes) {
  self->state.link->exchange(std::move(bytes), ++self->state.generation);
}

void send_current(peer_actor* self) {
  auto& st = self->state;
  if (st.current.op == lookup_op::connect_only) {
    st.ph = phase::idle;
    next(self);
    return;
  }
  st.ph = phase::commanding;
  send_bytes(self, encode_lookup_command(st.current));
}

/// Sends the next re-registration, or the command once they are done.
void step(peer_actor* self) {
  auto& st = self->state;
  if (st.steps.empty()) {
    st.backoff = caf::timespan{0}; // connected and registered
    send_current(self);
    return;
  }
  auto cmd = st.steps.front();
  log_info(prefix(self) + lookup_command_text(cmd));
  send_bytes(self, encode_lookup_command(cmd));
}

void dial(peer_actor* self) {
  auto& st = self->state;
  st.ph = phase::dialing;
  log_info("LOOKUP connecting to " + st.cfg.address);
  st.link->open(st.cfg.address, ++st.generation);
}

/// Runs queued commands until one needs the network.
void next(peer_actor* self) {
  auto& st = self->state;
  while (st.ph == phase::idle && !st.queue.empty()) {
    st.current = std::move(st.queue.front());
    st.queue.pop_front();
    if (st.connected) {
      send_current(self);
    } else if (self->clock().now() < st.retry_at && st.current.op != lookup_op::ping) {
      // The back-off only spares a burst of notices a dial each; the 15 s PING
      // always dials, so a lookupd that is back is reached within one PING
      // interval, as nsqd does (nsqd reference §16.3).
      log_failed(self, st.current, "connection back-off after a failed attempt");
    } else {
      dial(self);
    }
  }
}

/// The IDENTIFY answer (nsqd's connectCallback): peer info, then the
/// registrations; false when the connection was given up.
bool on_identified(peer_actor* self, const std::string& resp) {
  auto& st = self->state;
  if (resp == "E_INVALID") {
    log_info(prefix(self) + "lookupd returned " + resp);
    return false;
  }
  lookupd_peer_info info;
  if (!parse_lookupd_peer_info(resp, info)) {
    log_error(prefix(self) + "parsing response - " + resp);
    return false;
  }
  auto line = prefix(self) + "peer info " + format_lookupd_peer_info(info);
  // The coordinator logs the line once it knows the HTTP address, so a
  // topic created after the line is asked about (tests rely on that order).
  if (st.cfg.coordinator)
    self->send(st.cfg.coordinator, lk_info_atom::value, st.cfg.address,
               lookupd_http_address(info), std::move(line));
  else
    log_info(line);
  if (info.broadcast_address.empty())
    log_error(prefix(self) + "no broadcast address");
  auto cmds = st.registered.commands();
  st.steps.assign(cmds.begin(), cmds.end());
  return true;
}

void on_io(peer_actor* self, uint64_t gen, bool ok, std::string& data) {
  auto& st = self->state;
  if (gen != st.generation)
    return;
  const auto connect_error = std::string{"lookupPeer connectCallback() failed"};
  switch (st.ph) {
  case phase::dialing:
    if (!ok)
      return connect_failed(self, data);
    st.connected = true;
    st.ph = phase::identifying;
    send_bytes(self, std::string{lookup_client_magic()} +
                         encode_lookup_identify(st.cfg.identity));
    return;
  case phase::identifying:
    if (!ok)
      log_error(prefix(self) + "IDENTIFY - " + data);
    if (!ok || !on_identified(self, data))
      return connect_failed(self, connect_error);
    st.ph = phase::registering;
    return step(self);
  case phase::registering:
    if (!ok) {
      log_error(prefix(self) + lookup_command_text(st.steps.front()) + " - " + data);
      return connect_failed(self, connect_error);
    }
    st.steps.pop_front();
    return step(self);
  case phase::commanding:
    if (!ok) {
      close_link(self);
      log_failed(self, st.current, data);
    }
    st.ph = phase::idle;
    return next(self);
  case phase::idle:
    return;
  }
}

void on_command(peer_actor* self, lookup_command& cmd) {
  auto& st = self->state;
  st.registered.apply(cmd);
  if (cmd.op == lookup_op::connect_only && (st.connected || st.ph != phase::idle))
    return;
  log_queued(self, cmd);
  st.queue.push_back(std::move(cmd));
  next(self);
}

caf::behavior peer_behavior(peer_actor* self, std::shared_ptr<lookupd_peer_config> cfg,
                            std::shared_ptr<lookupd_registrations> registered) {
  auto& st = self->state;
  st.cfg = std::move(*cfg);
  st.registered = std::move(*registered);
  st.link = st.cfg.transport(caf::actor_cast<caf::actor>(self), st.cfg.max_body_size);
  self->set_exit_handler([=](caf::exit_msg& em) {
    if (self->state.link)
      self->state.link->close(); // no UNREGISTER: lookupd drops a closed peer's
    self->quit(em.reason);
  });
  return {
      [=](lk_cmd_atom, lookup_command& cmd) { on_command(self, cmd); },
      [=](lk_io_atom, uint64_t gen, bool ok, std::string& data) {
        on_io(self, gen, ok, data);
      },
  };
}

} // namespace

caf::actor spawn_lookupd_peer(caf::actor_system& sys, lookupd_peer_config cfg,
                              lookupd_registrations registered) {
  return sys.spawn(peer_behavior, std::make_shared<lookupd_peer_config>(std::move(cfg)),
                   std::make_shared<lookupd_registrations>(std::move(registered)));
}

} // namespace nsq
