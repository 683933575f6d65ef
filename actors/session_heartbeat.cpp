#include "actors/log.hpp"
#include "actors/session_state.hpp"

#include <caf/event_based_actor.hpp>

#include <chrono>

// Heartbeats and the read deadline (reference §7): one generation-stamped
// tick per interval, not one timer per command. A tick whose generation is
// old belongs to a ticker that IDENTIFY replaced and is ignored.

namespace nsq {

namespace {

caf::timespan interval_of(const session_state& st) {
  return std::chrono::milliseconds(st.ticker_interval_ms);
}

bool heartbeats_enabled(const session_state& st) {
  return st.ticker_interval_ms > 0;
}

bool read_deadline_enabled(const session_state& st) {
  return st.client.heartbeat_interval_ms > 0;
}

/// Returns when the connection times out: two of the client's current
/// intervals after the last command.
caf::actor_clock::time_point read_deadline(const session_state& st) {
  return st.last_command + 2 * std::chrono::milliseconds(st.client.heartbeat_interval_ms);
}

/// Closes without an error frame when the read deadline passed. What was
/// already written (a heartbeat due at the same instant) still goes out, as
/// nsqd's writer sends it before its reader times out.
bool check_read_deadline(session_actor* self) {
  auto& st = self->state;
  if (st.dead || self->clock().now() < read_deadline(st))
    return false;
  log_error("PROTOCOL(V2): [" + st.remote + "] read timeout: no command for " +
            std::to_string(2 * st.client.heartbeat_interval_ms) + "ms, closing");
  st.dead = true;
  flush(self);
  st.conn->close();
  return true;
}

} // namespace

void start_heartbeat(session_actor* self) {
  auto& st = self->state;
  ++st.heartbeat_gen;
  st.ticker_interval_ms = st.client.heartbeat_interval_ms;
  if (heartbeats_enabled(st))
    self->delayed_send(self, interval_of(st), heartbeat_tick_atom::value,
                       st.heartbeat_gen);
}

void on_heartbeat_tick(session_actor* self, uint64_t gen) {
  auto& st = self->state;
  if (gen != st.heartbeat_gen || st.dead || !heartbeats_enabled(st))
    return;
  if (read_deadline_enabled(st) && self->clock().now() > read_deadline(st)) {
    check_read_deadline(self);
    return;
  }
  respond(self, "_heartbeat_");
  if (read_deadline_enabled(st) && check_read_deadline(self))
    return; // the deadline is this very tick
  auto interval = interval_of(st);
  self->delayed_send(self, interval, heartbeat_tick_atom::value, gen);
  if (!read_deadline_enabled(st))
    return;
  // The deadline falls before the next tick: check it on time.
  auto left = read_deadline(st) - self->clock().now();
  if (left < interval)
    self->delayed_send(self, left, read_deadline_atom::value, gen);
}

void on_read_deadline(session_actor* self, uint64_t gen) {
  auto& st = self->state;
  if (gen != st.heartbeat_gen || !read_deadline_enabled(st))
    return;
  check_read_deadline(self);
}

} // namespace nsq
