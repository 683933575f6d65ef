#include "actors/flow_control.hpp"
#include "actors/session_state.hpp"

#include <caf/event_based_actor.hpp>

#include <algorithm>

// The session's side of write backpressure (actors/flow_control.hpp): it
// counts what it wrote, what the connection reported written and what its
// channel may still deliver, and grants credit as the socket drains.

namespace nsq {

namespace {

/// Returns the bytes produced and not yet written to the socket.
int64_t unsent_of(const session_state& st) {
  return static_cast<int64_t>(st.flow.sent - st.flow.written) +
         static_cast<int64_t>(st.out.size());
}

/// Grants the channel what the window has room for, in steps.
void grant_credit(session_actor* self) {
  auto& st = self->state;
  if (!st.channel || st.dead)
    return;
  auto promised = st.flow.granted - st.flow.charged; // < 0 after an overshoot
  auto room = write_window - unsent_of(st) - promised;
  if (room < credit_step)
    return;
  st.flow.granted += room;
  send_pending_fins(self); // nothing overtakes FINs on the way to the channel
  self->send(st.channel, credit_atom::value, room);
}

} // namespace

void start_credit(session_state& st) {
  // The channel starts every new consumer with a full window.
  st.flow.granted = write_window;
  st.flow.charged = 0;
}

void charge_delivery(session_state& st, const message_data& msg) {
  st.flow.charged += delivery_cost(msg);
}

void count_written_to_conn(session_state& st, size_t bytes) {
  st.flow.sent += bytes;
}

void on_written(session_actor* self, uint64_t total) {
  auto& st = self->state;
  st.flow.written = std::min(total, st.flow.sent);
  grant_credit(self);
}

} // namespace nsq
