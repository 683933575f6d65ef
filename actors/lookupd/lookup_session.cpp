#include "actors/lookupd/lookup_session.hpp"

#include "actors/log.hpp"
#include "actors/lookupd/lookup_messages.hpp"
#include "protocol/lookup_commands.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/stateful_actor.hpp>

#include <vector>

namespace nsq {

namespace {

struct session_state {
  std::shared_ptr<lookup_io> io;
  caf::actor registry;
  std::string peer_id;
  std::shared_ptr<const lookup_identity> me;
  bool identified = false;
  bool closed = false; ///< a fatal answer was sent: ignore further input
  static inline const char* name = "lookup_session";
};

using session_actor = caf::stateful_actor<session_state>*;

/// Writes `data`; after a fatal one, closes and forgets the registrations.
void answer(session_actor self, const std::string& data, bool fatal) {
  auto& st = self->state;
  st.io->write(lookup_frame(data));
  if (!fatal)
    return;
  log_debug("CLIENT(" + st.peer_id + "): " + data);
  st.closed = true;
  st.io->close();
  if (st.identified)
    self->send(st.registry, lk_gone_atom::value, st.peer_id);
  st.identified = false;
}

void on_command(session_actor self, const std::vector<std::string>& tokens) {
  auto& st = self->state;
  auto r = lookup_command(tokens, st.identified);
  switch (r.action) {
  case lookup_action::ping:
    self->send(st.registry, lk_ping_atom::value, st.peer_id);
    break;
  case lookup_action::register_:
    self->send(st.registry, lk_reg_atom::value, st.peer_id, r.topic, r.channel);
    break;
  case lookup_action::unregister:
    self->send(st.registry, lk_unreg_atom::value, st.peer_id, r.topic, r.channel);
    break;
  default:
    break;
  }
  answer(self, r.data, r.fatal);
}

void on_identify(session_actor self, const std::string& body) {
  auto& st = self->state;
  lookup_peer peer;
  peer.id = st.peer_id;
  std::string error;
  if (!decode_lookup_identify(body, peer, error))
    return answer(self, error, true);
  log_info("CLIENT(" + st.peer_id + "): IDENTIFY Address:" + peer.broadcast_address +
           " TCP:" + std::to_string(peer.tcp_port) +
           " HTTP:" + std::to_string(peer.http_port) + " Version:" + peer.version);
  self->send(st.registry, lk_ident_atom::value, std::move(peer));
  st.identified = true;
  auto& me = *st.me;
  answer(self,
         lookup_identify_answer(me.broadcast_address, me.hostname, me.http_port,
                                me.tcp_port),
         false);
}

caf::behavior session(session_actor self, std::shared_ptr<lookup_io> io,
                      caf::actor registry, std::string peer_id,
                      std::shared_ptr<const lookup_identity> me) {
  auto& st = self->state;
  st.io = std::move(io);
  st.registry = std::move(registry);
  st.peer_id = std::move(peer_id);
  st.me = std::move(me);
  return {
      [=](lk_cmd_atom, const std::vector<std::string>& tokens) {
        if (!self->state.closed)
          on_command(self, tokens);
      },
      [=](lk_body_atom, const std::string& body) {
        if (!self->state.closed)
          on_identify(self, body);
      },
      [=](lk_again_atom) {
        if (!self->state.closed)
          answer(self, "E_INVALID cannot IDENTIFY again", true);
      },
      [=](lk_fatal_atom, const std::string& data) {
        if (!self->state.closed)
          answer(self, data, true);
      },
      [=](lk_done_atom) {
        if (!self->state.closed)
          self->state.io->resume();
      },
      [=](lk_closed_atom) {
        auto& s = self->state;
        log_info("CLIENT(" + s.peer_id + "): closing");
        s.io->close(); // after the answers already queued
        if (s.identified)
          self->send(s.registry, lk_gone_atom::value, s.peer_id);
        self->quit();
      },
  };
}

} // namespace

caf::actor spawn_lookup_session(caf::actor_system& sys, std::shared_ptr<lookup_io> io,
                                caf::actor registry, std::string peer_id,
                                std::shared_ptr<const lookup_identity> me) {
  return sys.spawn(session, std::move(io), std::move(registry), std::move(peer_id),
                   std::move(me));
}

} // namespace nsq
