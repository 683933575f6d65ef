// The topic's channel registry: created, found, deleted, gone, discovered
// from lookupd, persisted to nsqd.dat.

#include "actors/channel.hpp"
#include "actors/disk_worker.hpp"
#include "actors/log.hpp"
#include "actors/lookupd_messages.hpp"
#include "actors/lookupd_notify.hpp"
#include "actors/topic_internal.hpp"
#include "protocol/names.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <utility>
#include <vector>

namespace nsq {

namespace {

/// Tells the metadata writer the topic's non-ephemeral channels.
void persist_channels(topic_actor* self) {
  auto& st = self->state;
  if (!st.disk_ctx || !st.disk_ctx->meta_writer || st.exiting)
    return;
  std::vector<std::string> names;
  for (auto& [name, ch] : st.channels)
    if (!ch.ephemeral)
      names.push_back(name);
  self->send(st.disk_ctx->meta_writer, meta_channels_atom::value, st.topic_name,
             std::move(names));
}

/// nsqd's two lines for a channel deletion (topic.go, then channel.go).
void log_deleting_channel(const std::string& topic, const std::string& channel) {
  log_info("TOPIC(" + topic + "): deleting channel " + channel);
  log_info("CHANNEL(" + channel + "): deleting");
}

} // namespace

/// Spawns and registers channel `name` (durable if the topic is).
caf::actor add_channel(topic_actor* self, const std::string& name, bool paused) {
  auto& st = self->state;
  auto self_handle = caf::actor_cast<caf::actor>(self);
  auto ch = st.disk_ctx
                ? spawn_channel(self->system(), self_handle, st.topic_name, name, st.cfg,
                                st.disk_ctx, paused)
                : spawn_channel(self->system(), self_handle, st.topic_name, name, st.cfg);
  self->monitor(ch);
  if (st.exiting) // created while shutting down: it must stop as well
    self->send_exit(ch, caf::exit_reason::user_shutdown);
  st.channels.emplace(name, channel_slot{ch, is_ephemeral(name)});
  log_info("TOPIC(" + st.topic_name + "): new channel(" + name + ")");
  st.had_channel = true;
  notify_lookupd(self, lookup_op::register_, st.topic_name, name);
  return ch;
}

caf::result<caf::actor> get_channel(topic_actor* self, const std::string& name) {
  auto& st = self->state;
  if (auto it = st.channels.find(name); it != st.channels.end())
    return it->second.handle;
  if (!is_valid_channel_name(name))
    return caf::make_error(caf::sec::invalid_argument, "invalid channel name");
  auto ch = add_channel(self, name, false);
  persist_channels(self);
  pump(self);
  return ch;
}

void on_channel_down(topic_actor* self, const caf::down_msg& dm) {
  auto& st = self->state;
  for (auto it = st.channels.begin(); it != st.channels.end(); ++it)
    if (it->second.handle.address() == dm.source) {
      bool was_persisted = !it->second.ephemeral;
      if (!st.exiting) { // an ephemeral channel's last client left (§11.4)
        log_deleting_channel(st.topic_name, it->first);
        notify_lookupd(self, lookup_op::unregister, st.topic_name, it->first);
      } else if (!stored_at_exit(st, it->second, dm.reason)) {
        st.keep_forwarded = true;
      }
      st.channels.erase(it);
      if (was_persisted)
        persist_channels(self);
      break;
    }
  if (st.ephemeral && st.had_channel && st.channels.empty() && !st.exiting) {
    log_info("TOPIC(" + st.topic_name + "): deleting");
    self->quit(); // last channel of an ephemeral topic is gone (§11.4)
    return;
  }
  persist_when_channels_ended(self); // shutting down: the last one we waited for?
  pump(self);                        // the channel we waited for may be gone
}

caf::result<caf::actor> find_channel(topic_actor* self, const std::string& name) {
  auto& chans = self->state.channels;
  if (auto it = chans.find(name); it != chans.end())
    return it->second.handle;
  return caf::make_error(caf::sec::invalid_argument, "channel not found");
}

/// Deletes channel `name` (§11.5): it quits, which closes its clients; an
/// ephemeral topic left without channels goes too.
bool delete_channel(topic_actor* self, const std::string& name) {
  auto& st = self->state;
  auto it = st.channels.find(name);
  if (it == st.channels.end())
    return false;
  auto ch = it->second.handle;
  log_deleting_channel(st.topic_name, name);
  st.channels.erase(it);
  self->demonitor(ch);
  notify_lookupd(self, lookup_op::unregister, st.topic_name, name);
  if (st.disk_ctx) {
    // Its files go before a channel of the same name can be created (one I/O
    // actor takes both in order); the old channel's later requests are stale.
    if (auto& pool = st.disk_ctx->pool; pool && !pool->actors.empty()) {
      auto queue = st.topic_name + ":" + name;
      // Anonymous: its answer (a bool) would reach us as an unexpected message.
      caf::anon_send(pool->actors[disk_io_index(queue, pool->actors.size())],
                     disk_remove_atom::value, queue, ch.id(), self->id());
    }
    self->send(ch, purge_atom::value); // drops its messages and disk queue
  } else
    self->send_exit(ch, caf::exit_reason::user_shutdown);
  persist_channels(self);
  if (st.ephemeral && st.channels.empty()) {
    log_info("TOPIC(" + st.topic_name + "): deleting");
    self->quit();
    return true;
  }
  persist_when_channels_ended(self); // shutting down: it was waited for
  pump(self);                        // the deleted channel may have been the full one
  return true;
}

/// Channel discovery (§11.2): the lookupds' channels for this new topic are
/// created (ephemeral ones skipped, as nsqd does) before anything is copied
/// to channels; published messages wait like on a paused topic. A failure or
/// timeout just starts the topic (nsqd logs and goes on).
void discover_channels(topic_actor* self, const caf::actor& coordinator) {
  auto& st = self->state;
  st.discovering = true;
  auto timeout = st.cfg->http_client_connect_timeout +
                 st.cfg->http_client_request_timeout + std::chrono::seconds(2);
  auto done = [self] {
    self->state.discovering = false;
    pump(self);
  };
  self->request(coordinator, timeout, lk_chans_atom::value, st.topic_name)
      .then(
          [self, done](std::vector<std::string>& names) {
            auto& st = self->state;
            bool added = false;
            for (auto& n : names)
              if (!is_ephemeral(n) && !st.exiting && st.channels.count(n) == 0 &&
                  is_valid_channel_name(n)) {
                add_channel(self, n, false);
                added = true;
              }
            if (added)
              persist_channels(self);
            done();
          },
          [done](caf::error&) { done(); });
}

} // namespace nsq
