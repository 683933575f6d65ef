#include "actors/session.hpp"

#include "actors/cluster_messages.hpp"
#include "actors/delivery_batch.hpp"
#include "actors/flow_control.hpp"
#include "actors/log.hpp"
#include "actors/session_state.hpp"

#include <caf/actor_system.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/send.hpp>

#include <algorithm>
#include <chrono>
#include <exception>
#include <utility>

namespace nsq {

namespace {

/// Leaves the channel (it requeues our in-flight messages at once) and quits.
void finish(session_actor* self) {
  unsubscribe_all(self);
  flush(self); // answers to the last commands (e.g. PUB before a half-close)
  self->quit();
}

/// Runs one command; an exception (e.g. bad_alloc) closes the connection
/// instead of killing the actor with our in-flight messages.
void run_one(session_actor* self, command&& cmd) {
  try {
    handle_command(self, std::move(cmd));
  } catch (const std::exception& e) {
    auto& st = self->state;
    log_error("PROTOCOL(V2): [" + st.remote + "] internal error: " + e.what());
    st.dead = true;
    st.conn->abort();
  }
}

caf::behavior session(session_actor* self, std::shared_ptr<connection> conn,
                      caf::actor broker, std::shared_ptr<const settings> cfg,
                      std::string remote_ip, std::string remote_address,
                      std::shared_ptr<http_client> http) {
  self->state.http = std::move(http);
  // No `auto& st` here: a [=] handler using it would copy the whole state.
  self->state.client = initial_client_settings(*cfg, remote_ip);
  self->state.conn = std::move(conn);
  self->state.broker = std::move(broker);
  self->state.cfg = std::move(cfg);
  self->state.remote_address = remote_address.empty() ? remote_ip : remote_address;
  self->state.remote = std::move(remote_ip);
  self->state.connect_ts = std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
  self->state.last_command = self->clock().now();
  self->state.conn->set_write_timeout(
      std::chrono::milliseconds(self->state.client.heartbeat_interval_ms));
  self->set_down_handler([=](caf::down_msg& msg) { on_down(self, msg); });
  start_heartbeat(self);
  return {
      [=](commands_atom, std::vector<command>& batch) {
        auto& st = self->state;
        st.last_command = self->clock().now();
        st.batches.push_back(std::move(batch));
        run_backlog(self);
      },
      [=](conn_closed_atom) {
        auto& st = self->state;
        st.peer_gone = true;
        // Commands already read still run (nsqd executes what it has read
        // before it sees EOF), unless the connection died of an error.
        if (st.dead || (!st.busy && st.batches.empty()))
          finish(self);
      },
      [=](tls_up_atom, tls_details& tls) { self->state.tls_info = std::move(tls); },
      [=](deliver_atom, delivery_batch& batch) { deliver(self, batch); },
      [=](op_failed_atom, const client_error& err) { on_op_failed(self, err); },
      [=](flush_atom) {
        self->state.flush_scheduled = false;
        flush(self);
      },
      [=](written_atom, uint64_t total) { on_written(self, total); },
      [=](heartbeat_tick_atom, uint64_t gen) { on_heartbeat_tick(self, gen); },
      [=](read_deadline_atom, uint64_t gen) { on_read_deadline(self, gen); },
      [=](stats_atom) { return stats_of(self->state); },
      [=](released_atom, const std::vector<message_id>& ids) { on_released(self, ids); },
      [=](cl_attach_atom, const std::string& member, const caf::actor& channel) {
        attach_remote(self, member, channel);
      },
      [=](cl_detach_atom, const std::string& member) { detach_member(self, member); },
      [=](rdy_tick_atom, uint64_t gen) { on_rdy_tick(self, gen); },
      [=](pub_grant_atom, uint64_t n) { on_pub_grant(self, n); },
      [=](pub_revoke_atom) { on_pub_revoke(self); },
      [=](sub_retry_atom, std::string& topic, std::string& channel) {
        if (self->state.dead)
          return done_waiting(self);
        subscribe(self, std::move(topic), std::move(channel), false);
      },
  };
}

} // namespace

void run_backlog(session_actor* self) {
  auto& st = self->state;
  bool outermost = !st.running_commands;
  st.running_commands = true;
  while (!st.busy && !st.batches.empty()) {
    auto& batch = st.batches.front();
    if (st.next_command < batch.size()) {
      auto& cmd = batch[st.next_command++];
      if (!st.dead)
        run_one(self, std::move(cmd));
      continue;
    }
    st.batches.pop_front();
    st.next_command = 0;
    send_pending_fins(self);
    st.conn->commands_done();
  }
  if (outermost) {
    st.running_commands = false;
    flush_soon(self); // the batch's responses leave in one write
  }
  if (st.busy)
    send_pending_fins(self); // do not hold FINs while we wait
  else if (st.peer_gone)
    finish(self);
}

void done_waiting(session_actor* self) {
  self->state.busy = false;
  run_backlog(self);
}

caf::actor spawn_session(caf::actor_system& sys, std::shared_ptr<connection> conn,
                         caf::actor broker, std::shared_ptr<const settings> cfg,
                         std::string remote_ip, std::string remote_address,
                         std::shared_ptr<http_client> http) {
  return sys.spawn(session, std::move(conn), std::move(broker), std::move(cfg),
                   std::move(remote_ip), std::move(remote_address), std::move(http));
}

} // namespace nsq
