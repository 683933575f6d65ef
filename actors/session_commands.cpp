#include "actors/id_batch.hpp"
#include "actors/log.hpp"
#include "actors/session_state.hpp"
#include "protocol/commands.hpp"
#include "protocol/identify.hpp"

#include <caf/event_based_actor.hpp>

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>
#include <string_view>
#include <utility>

// One handler per V2 verb (reference §4, §5): check the state, validate with
// protocol/commands, hand the effect to the owning actor, answer.

namespace nsq {

namespace {

client_error invalid(std::string text) {
  return fatal_error(codes::invalid, std::move(text));
}

/// Answers `E_INVALID cannot <verb> in current state` unless `allowed`.
bool check_state(session_actor* self, bool allowed, const char* verb) {
  if (!allowed)
    answer_error(self, invalid(std::string("cannot ") + verb + " in current state"));
  return allowed;
}

/// Answers the error of `x`, if any; returns whether there was none.
template <class T> bool check(session_actor* self, const checked<T>& x) {
  if (!is_error(x))
    return true;
  answer_error(self, error_of(x));
  return false;
}

/// Returns the socket upgrade an IDENTIFY negotiated, if any (§6.3).
std::optional<upgrade_plan> upgrade_of(const client_settings& c) {
  upgrade_plan plan;
  plan.tls = c.tls_v1;
  if (c.snappy)
    plan.compression = upgrade_plan::codec::snappy;
  else if (c.deflate)
    plan.compression = upgrade_plan::codec::deflate;
  plan.deflate_level = static_cast<int>(c.deflate_level);
  if (!plan.tls && plan.compression == upgrade_plan::codec::none)
    return std::nullopt;
  return plan;
}

bool can_ack(const session_state& st) {
  return st.phase == session_phase::subscribed || st.phase == session_phase::closing;
}

void on_identify(session_actor* self, const command& cmd) {
  auto& st = self->state;
  if (!check_state(self, st.phase == session_phase::init, "IDENTIFY"))
    return;
  if (cmd.has_body_error())
    return answer_error(self, cmd.body_error);
  auto req = decode_identify(cmd.body);
  if (!check(self, req))
    return;
  const auto& r = std::get<identify_request>(req);
  if (auto err = apply_identify(r, *st.cfg, st.client))
    return answer_error(self, *err);
  // nsqd's write deadline is the client's heartbeat interval (§7).
  st.conn->set_write_timeout(std::chrono::milliseconds(st.client.heartbeat_interval_ms));
  if (!st.identified) {
    st.identified = true;
    start_heartbeat(self);
  }
  if (!r.feature_negotiation)
    return respond(self, "OK");
  auto plan = upgrade_of(st.client);
  if (plan && st.upgraded) // a second layer of TLS or compression is not supported
    return answer_error(self, fatal_error(codes::identify_failed,
                                          "IDENTIFY failed connection already upgraded"));
  respond(self, encode_identify_response(st.client, *st.cfg));
  if (!plan)
    return;
  // The JSON goes out in plaintext, then the connection switches. Commands a
  // client pipelined behind IDENTIFY are lost, as in nsqd (it swaps readers).
  flush(self);
  st.conn->upgrade(*plan);
  st.upgraded = true;
  st.tls = st.tls || plan->tls;
  if (!st.batches.empty())
    st.next_command = st.batches.front().size();
}

void on_auth(session_actor* self, const command& cmd) {
  auto& st = self->state;
  if (!check_state(self, st.phase == session_phase::init, "AUTH"))
    return;
  if (auto err = check_before_body(cmd, *st.cfg))
    return answer_error(self, *err);
  if (cmd.has_body_error())
    return answer_error(self, cmd.body_error);
  authenticate(self, cmd.body);
}

void on_sub(session_actor* self, const command& cmd) {
  auto& st = self->state;
  if (!check_state(self, st.phase == session_phase::init, "SUB"))
    return;
  if (st.client.heartbeat_interval_ms <= 0)
    return answer_error(self, invalid("cannot SUB with heartbeats disabled"));
  auto args = parse_sub(cmd);
  if (!check(self, args))
    return;
  auto& a = std::get<sub_args>(args);
  authorize(self, "SUB", a.topic, a.channel,
            [self, topic = a.topic, channel = a.channel] {
              subscribe(self, topic, channel, true);
            });
}

void on_rdy(session_actor* self, const command& cmd) {
  auto& st = self->state;
  if (st.phase == session_phase::closing)
    return; // nsqd ignores RDY after CLS without an answer
  if (!check_state(self, st.phase == session_phase::subscribed, "RDY"))
    return;
  auto count = parse_rdy(cmd, *st.cfg);
  if (!check(self, count))
    return;
  send_pending_fins(self);
  st.counters.ready_count = std::get<int64_t>(count);
  st.channels.set_ready(st.counters.ready_count);
  apply_ready(self, true);
}

/// One FIN of a valid ID (the channel answers an ID not in flight).
void finish_one(session_actor* self, const message_id& mid) {
  auto& st = self->state;
  if (!st.channels.orphaned(mid, true)) {
    auto& owner = st.channels.route(mid, true);
    // The local channel's FINs are in pending_fins (the single-channel path).
    if (&owner == &st.channels.all().front())
      st.pending_fins.push_back(mid);
    else
      owner.fins.push_back(mid);
  }
  ++st.counters.finish_count;
  st.counters.in_flight = std::max<int64_t>(0, st.counters.in_flight - 1);
  after_ack(self);
}

void on_fin(session_actor* self, const command& cmd) {
  auto& st = self->state;
  if (!check_state(self, can_ack(st), "FIN"))
    return;
  auto id = parse_fin(cmd);
  if (!check(self, id))
    return;
  for (const auto& mid : cmd.more_ids)
    st.channels.prefetch(mid);
  finish_one(self, std::get<message_id>(id));
  // The FINs merged into this command, each as if it came on its own line.
  // finish_one changes no state can_ack() reads.
  for (const auto& mid : cmd.more_ids)
    finish_one(self, mid);
}

void on_req(session_actor* self, const command& cmd) {
  auto& st = self->state;
  if (!check_state(self, can_ack(st), "REQ"))
    return;
  auto args = parse_req(cmd, *st.cfg);
  if (!check(self, args))
    return;
  const auto& a = std::get<req_args>(args);
  if (a.clamped)
    log_info("PROTOCOL(V2): [" + st.remote + "] REQ timeout " + cmd.params[1] +
             " out of range 0-" + std::to_string(st.cfg->max_req_timeout.count()) +
             ". Setting to " + std::to_string(a.delay.count()));
  send_pending_fins(self);
  if (!st.channels.orphaned(a.id, true))
    self->send(st.channels.route(a.id, true).handle, requeue_atom::value, a.id,
               caf::timespan{a.delay});
  ++st.counters.requeue_count;
  st.counters.in_flight = std::max<int64_t>(0, st.counters.in_flight - 1);
  after_ack(self);
}

void on_touch(session_actor* self, const command& cmd) {
  auto& st = self->state;
  if (!check_state(self, can_ack(st), "TOUCH"))
    return;
  auto id = parse_touch(cmd);
  if (!check(self, id))
    return;
  send_pending_fins(self);
  const auto& mid = std::get<message_id>(id);
  if (!st.channels.orphaned(mid, false))
    self->send(st.channels.route(mid, false).handle, touch_atom::value, mid);
}

void on_cls(session_actor* self) {
  auto& st = self->state;
  if (!check_state(self, st.phase == session_phase::subscribed, "CLS"))
    return;
  send_pending_fins(self);
  st.counters.ready_count = 0;
  st.channels.set_ready(0);
  apply_ready(self, true); // RDY 0 to every attached channel
  st.phase = session_phase::closing;
  respond(self, "CLOSE_WAIT");
}

using parse_fn = checked<publish_args> (*)(command&&, const settings&);

void parse_and_publish(session_actor* self, command&& cmd, parse_fn parse,
                       const char* verb, const char* failed_code) {
  auto args = parse(std::move(cmd), *self->state.cfg);
  if (!check(self, args))
    return;
  publish(self, verb, failed_code, std::move(std::get<publish_args>(args)));
}

/// MPUB: nsqd checks auth after the line, before it reads the body (§5.11).
void on_mpub(session_actor* self, command&& cmd) {
  auto& st = self->state;
  if (!st.cfg->auth_required)
    return parse_and_publish(self, std::move(cmd), parse_mpub, "MPUB",
                             codes::mpub_failed);
  if (auto err = check_before_body(cmd, *st.cfg))
    return answer_error(self, *err);
  auto topic = cmd.params[0];
  auto held = std::make_shared<command>(std::move(cmd));
  authorize(self, "MPUB", topic, "", [self, held] {
    parse_and_publish(self, std::move(*held), parse_mpub, "MPUB", codes::mpub_failed);
  });
}

/// PUB and DPUB: nsqd checks auth after reading the body (§5.10, §5.12).
void on_publish(session_actor* self, command&& cmd, parse_fn parse, const char* verb,
                const char* failed_code) {
  auto& st = self->state;
  if (!st.cfg->auth_required)
    return parse_and_publish(self, std::move(cmd), parse, verb, failed_code);
  auto args = parse(std::move(cmd), *st.cfg);
  if (!check(self, args))
    return;
  auto held = std::make_shared<publish_args>(std::move(std::get<publish_args>(args)));
  auto topic = held->topic;
  authorize(self, verb, topic, "", [self, verb, failed_code, held] {
    publish(self, verb, failed_code, std::move(*held));
  });
}

} // namespace

void handle_command(session_actor* self, command&& cmd) {
  // string_view compares the length first and inlines the rest: no strlen
  // and compare() call per command (a consumer sends one FIN per message).
  using namespace std::string_view_literals;
  std::string_view name = cmd.name;
  // nsqd's TLS gate: everything but IDENTIFY waits for the TLS upgrade (§10).
  if (self->state.cfg->tls_required != settings::tls_policy::not_required &&
      !self->state.tls && name != "IDENTIFY"sv)
    return answer_error(
        self, invalid("cannot " + cmd.name + " in current state (TLS required)"));
  if (name == "FIN"sv)
    on_fin(self, cmd);
  else if (name == "RDY"sv)
    on_rdy(self, cmd);
  else if (name == "PUB"sv)
    on_publish(self, std::move(cmd), parse_pub, "PUB", codes::pub_failed);
  else if (name == "NOP"sv)
    return;
  else if (name == "REQ"sv)
    on_req(self, cmd);
  else if (name == "TOUCH"sv)
    on_touch(self, cmd);
  else if (name == "MPUB"sv)
    on_mpub(self, std::move(cmd));
  else if (name == "DPUB"sv)
    on_publish(self, std::move(cmd), parse_dpub, "DPUB", codes::dpub_failed);
  else if (name == "SUB"sv)
    on_sub(self, cmd);
  else if (name == "CLS"sv)
    on_cls(self);
  else if (name == "IDENTIFY"sv)
    on_identify(self, cmd);
  else if (name == "AUTH"sv)
    on_auth(self, cmd);
  else
    answer_error(self, invalid("invalid command " + cmd.name));
}

void send_pending_fins(session_actor* self) {
  auto& st = self->state;
  if (st.channels.multi()) {
    for (auto& c : st.channels.all()) {
      if (c.fins.empty())
        continue;
      std::vector<message_id> ids;
      ids.swap(c.fins);
      self->send(c.handle, finish_atom::value, id_batch{std::move(ids)});
    }
  }
  if (st.pending_fins.empty())
    return;
  std::vector<message_id> ids;
  ids.swap(st.pending_fins);
  if (!st.channels.empty())
    self->send(st.channels.local(), finish_atom::value, id_batch{std::move(ids)});
}

void on_op_failed(session_actor* self, const client_error& err) {
  auto& st = self->state;
  // The FIN or REQ did not take the message out of flight after all.
  bool undone = false;
  if (err.code == codes::fin_failed && st.counters.finish_count > 0) {
    --st.counters.finish_count;
    ++st.counters.in_flight;
    undone = true;
  } else if (err.code == codes::req_failed && st.counters.requeue_count > 0) {
    --st.counters.requeue_count;
    ++st.counters.in_flight;
    undone = true;
  }
  // Nor at the channel it was routed to, which counted it out (an ID in
  // flight nowhere goes to the local channel): keep its RDY share exact.
  if (undone)
    if (auto* c =
            st.channels.find(caf::actor_cast<caf::actor_addr>(self->current_sender())))
      ++c->in_flight;
  answer_error(self, err);
}

} // namespace nsq
