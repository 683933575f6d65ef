#include "actors/flow_control.hpp"
#include "actors/session_state.hpp"

#include <caf/event_based_actor.hpp>

#include <algorithm>

// The session's side of write backpressure (actors/flow_control.hpp): it
// counts what it wrote, what the connection reported written and what its
// channels may still deliver, and grants credit as the socket drains.
//
// Each attached channel starts a consumer with a full window, so k channels
// keep (unsent bytes) + (promised credit) under k windows. Room goes to each
// channel up to its own window, the first in line changing with every
// grant, so no channel starves; with one channel this is exactly one window.

namespace nsq {

namespace {

/// Returns the bytes produced and not yet written to the socket.
int64_t unsent_of(const session_state& st) {
  return static_cast<int64_t>(st.flow.sent - st.flow.written) +
         static_cast<int64_t>(st.out.size());
}

/// Grants the channels what their windows have room for, in steps.
void grant_credit(session_actor* self) {
  auto& st = self->state;
  if (st.channels.empty() || st.dead)
    return;
  auto& chans = st.channels.all();
  int64_t promised = 0; // < 0 after an overshoot
  for (auto& c : chans)
    promised += c.granted - c.charged;
  auto windows = write_window * static_cast<int64_t>(chans.size());
  auto room = windows - unsent_of(st) - promised;
  if (room < credit_step)
    return;
  send_pending_fins(self); // nothing overtakes FINs on the way to a channel
  auto first = st.flow.next++ % chans.size();
  for (size_t i = 0; i < chans.size() && room >= credit_step; ++i) {
    auto& c = chans[(first + i) % chans.size()];
    auto grant = std::min(room, write_window - (c.granted - c.charged));
    if (grant < credit_step)
      continue;
    c.granted += grant;
    room -= grant;
    self->send(c.handle, credit_atom::value, grant);
  }
}

} // namespace

void start_credit(attached_channel& c) {
  // The channel starts every new consumer with a full window.
  c.granted = write_window;
  c.charged = 0;
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
