#include "actors/log.hpp"
#include "actors/session_state.hpp"

#include <caf/event_based_actor.hpp>

namespace nsq {

void flush(session_actor* self) {
  auto& st = self->state;
  if (st.out.empty())
    return;
  count_written_to_conn(st, st.out.size());
  st.conn->write(st.out.take());
}

void flush_soon(session_actor* self) {
  auto& st = self->state;
  if (st.out.size() >= static_cast<size_t>(st.client.output_buffer_size)) {
    flush(self);
    return;
  }
  if (st.out.empty() || st.flush_scheduled)
    return;
  // Nothing else waiting: nothing could join this write, so send it now
  // (one mailbox hop less per PUB round trip and per idle delivery).
  if (!st.running_commands && self->mailbox().empty()) {
    flush(self);
    return;
  }
  // A self-sent flush runs after everything already in the mailbox: frames
  // produced meanwhile leave in the same write.
  st.flush_scheduled = true;
  self->send(self, flush_atom::value);
}

void respond(session_actor* self, std::string_view data) {
  if (self->state.dead)
    return;
  self->state.out.append_frame(frame_type::response, data);
  flush_soon(self);
}

void answer_error(session_actor* self, const client_error& err) {
  auto& st = self->state;
  if (st.dead)
    return;
  st.out.append_frame(frame_type::error, err.wire());
  if (!err.fatal) {
    flush_soon(self);
    return;
  }
  log_error("PROTOCOL(V2): [" + st.remote + "] - " + err.wire());
  flush(self);
  st.conn->close();
  send_pending_fins(self); // FINs before the error were processed, as in nsqd
  st.dead = true;
}

void deliver(session_actor* self, const std::vector<delivery>& batch) {
  auto& st = self->state;
  if (st.dead)
    return;
  for (const auto& d : batch) {
    charge_delivery(st, data_of(d.msg));
    st.out.append_message(data_of(d.msg), d.attempts);
  }
  st.counters.message_count += batch.size();
  st.counters.in_flight += static_cast<int64_t>(batch.size());
  flush_soon(self);
}

} // namespace nsq
