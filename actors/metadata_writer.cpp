#include "actors/metadata_writer.hpp"

#include "actors/disk_context.hpp"
#include "actors/log.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <map>
#include <utility>
#include <vector>

namespace nsq {

namespace {

struct metadata_writer_state {
  std::string path;
  /// Topic name → its metadata; a map keeps the file's topic order stable.
  std::map<std::string, storage::topic_metadata> topics;
  bool dirty = false;
  bool flush_queued = false;

  static inline const char* name = "metadata_writer";
};

using metadata_writer_actor = caf::stateful_actor<metadata_writer_state>;

void save(metadata_writer_actor* self) {
  auto& st = self->state;
  storage::broker_metadata md;
  for (auto& [name, t] : st.topics)
    md.topics.push_back(t);
  st.dirty = false;
  if (auto s = storage::save_metadata(st.path, md); !s.is_ok())
    log_error("failed to persist metadata - " + s.to_string());
}

void changed(metadata_writer_actor* self) {
  auto& st = self->state;
  st.dirty = true;
  if (st.flush_queued)
    return;
  st.flush_queued = true;
  self->send(self, meta_flush_atom::value); // behind the changes already queued
}

storage::channel_metadata* find_channel(storage::topic_metadata& t,
                                        const std::string& name) {
  for (auto& c : t.channels)
    if (c.name == name)
      return &c;
  return nullptr;
}

void set_topic(metadata_writer_actor* self, const std::string& name, bool paused,
               const std::vector<std::string>& channels,
               const std::vector<std::string>& paused_channels) {
  storage::topic_metadata t{name, paused, {}};
  for (auto& c : channels) {
    bool p = std::find(paused_channels.begin(), paused_channels.end(), c) !=
             paused_channels.end();
    t.channels.push_back(storage::channel_metadata{c, p});
  }
  self->state.topics[name] = std::move(t);
  changed(self);
}

void set_channels(metadata_writer_actor* self, const std::string& topic,
                  const std::vector<std::string>& channels) {
  auto it = self->state.topics.find(topic);
  if (it == self->state.topics.end())
    return; // deleted meanwhile
  std::vector<storage::channel_metadata> next;
  for (auto& c : channels) {
    auto* old = find_channel(it->second, c);
    next.push_back(storage::channel_metadata{c, old != nullptr && old->paused});
  }
  it->second.channels = std::move(next);
  changed(self);
}

void set_paused(metadata_writer_actor* self, const std::string& topic,
                const std::string& channel, bool paused) {
  auto it = self->state.topics.find(topic);
  if (it == self->state.topics.end())
    return;
  if (channel.empty()) {
    it->second.paused = paused;
  } else if (auto* c = find_channel(it->second, channel)) {
    c->paused = paused;
  } else {
    return;
  }
  changed(self);
}

caf::behavior metadata_writer(metadata_writer_actor* self, std::string data_path,
                              storage::broker_metadata initial) {
  auto& st = self->state;
  st.path = storage::metadata_path(data_path.empty() ? "." : data_path);
  for (auto& t : initial.topics)
    st.topics[t.name] = std::move(t);
  save(self);
  self->set_exit_handler([=](caf::exit_msg& em) {
    if (self->state.dirty)
      save(self);
    self->quit(em.reason);
  });
  return {
      [=](meta_topic_atom, const std::string& name, bool paused,
          const std::vector<std::string>& channels,
          const std::vector<std::string>& paused_channels) {
        set_topic(self, name, paused, channels, paused_channels);
      },
      [=](meta_channels_atom, const std::string& topic,
          const std::vector<std::string>& channels) {
        set_channels(self, topic, channels);
      },
      [=](meta_pause_atom, const std::string& topic, const std::string& channel,
          bool paused) { set_paused(self, topic, channel, paused); },
      [=](meta_forget_atom, const std::string& topic) {
        if (self->state.topics.erase(topic) > 0)
          changed(self);
      },
      [=](meta_flush_atom) {
        self->state.flush_queued = false;
        if (self->state.dirty)
          save(self);
      },
  };
}

} // namespace

caf::actor spawn_metadata_writer(caf::actor_system& sys, std::string data_path,
                                 storage::broker_metadata initial, bool detached) {
  if (detached)
    return sys.spawn<caf::detached>(metadata_writer, std::move(data_path),
                                    std::move(initial));
  return sys.spawn(metadata_writer, std::move(data_path), std::move(initial));
}

} // namespace nsq
