#include "protocol/lookup_db.hpp"

#include "protocol/names.hpp"

namespace nsq {

namespace {

const std::string client_category = "client";
const std::string topic_category = "topic";
const std::string channel_category = "channel";

lookup_key topic_key(const std::string& t) {
  return {topic_category, t, ""};
}
lookup_key channel_key(const std::string& t, const std::string& c) {
  return {channel_category, t, c};
}

bool active(const lookup_peer& p, int64_t now, const lookup_liveness& l) {
  return now - p.last_update <= l.inactive_timeout;
}

bool tombstoned(const lookup_producer& p, int64_t now, const lookup_liveness& l) {
  return p.tombstoned && now - p.tombstoned_at < l.tombstone_lifetime;
}

} // namespace

void lookup_db::identify(lookup_peer peer, int64_t now) {
  peer.last_update = now;
  auto id = peer.id;
  peers_[id] = std::make_shared<lookup_peer>(std::move(peer));
  add_to({client_category, "", ""}, id);
}

void lookup_db::ping(const std::string& id, int64_t now) {
  if (auto i = peers_.find(id); i != peers_.end())
    i->second->last_update = now;
}

void lookup_db::add(const std::string& id, const std::string& topic,
                    const std::string& channel) {
  if (!channel.empty())
    add_to(channel_key(topic, channel), id);
  add_to(topic_key(topic), id);
}

void lookup_db::add_to(const lookup_key& k, const std::string& id) {
  auto p = peers_.find(id);
  if (p == peers_.end())
    return;
  auto& prods = regs_[k];
  // An existing entry (and its tombstone) is kept (§5.2).
  if (prods.find(id) == prods.end())
    prods[id] = lookup_producer{p->second};
}

bool lookup_db::remove_from(const lookup_key& k, const std::string& id) {
  auto i = regs_.find(k);
  if (i == regs_.end())
    return false;
  i->second.erase(id);
  return i->second.empty();
}

void lookup_db::remove(const std::string& id, const std::string& topic,
                       const std::string& channel) {
  if (!channel.empty()) {
    auto k = channel_key(topic, channel);
    if (remove_from(k, id) && is_ephemeral(channel))
      regs_.erase(k);
    return;
  }
  // Every channel of the topic loses this producer; the keys stay, even
  // ephemeral ones (§5.3).
  for (auto i = regs_.lower_bound(channel_key(topic, ""));
       i != regs_.end() && i->first.category == channel_category && i->first.key == topic;
       ++i)
    i->second.erase(id);
  auto k = topic_key(topic);
  if (remove_from(k, id) && is_ephemeral(topic))
    regs_.erase(k);
}

void lookup_db::drop_peer(const std::string& id) {
  for (auto& [k, prods] : regs_)
    prods.erase(id);
  peers_.erase(id);
}

void lookup_db::create_topic(const std::string& topic) {
  regs_[topic_key(topic)];
}

void lookup_db::create_channel(const std::string& topic, const std::string& channel) {
  regs_[channel_key(topic, channel)];
  regs_[topic_key(topic)];
}

void lookup_db::delete_topic(const std::string& topic) {
  auto i = regs_.lower_bound(channel_key(topic, ""));
  while (i != regs_.end() && i->first.category == channel_category &&
         i->first.key == topic)
    i = regs_.erase(i);
  regs_.erase(topic_key(topic));
}

bool lookup_db::delete_channel(const std::string& topic, const std::string& channel) {
  return regs_.erase(channel_key(topic, channel)) > 0;
}

void lookup_db::tombstone(const std::string& topic, const std::string& node,
                          int64_t now) {
  auto i = regs_.find(topic_key(topic));
  if (i == regs_.end())
    return;
  for (auto& [id, prod] : i->second) {
    auto& p = *prod.peer;
    if (p.broadcast_address + ":" + std::to_string(p.http_port) == node) {
      prod.tombstoned = true;
      prod.tombstoned_at = now;
    }
  }
}

bool lookup_db::has_topic(const std::string& topic) const {
  return regs_.count(topic_key(topic)) > 0;
}

std::vector<std::string> lookup_db::topics() const {
  std::vector<std::string> out;
  for (auto i = regs_.lower_bound({topic_category, "", ""});
       i != regs_.end() && i->first.category == topic_category; ++i)
    out.push_back(i->first.key);
  return out;
}

std::vector<std::string> lookup_db::channels(const std::string& topic) const {
  std::vector<std::string> out;
  for (auto i = regs_.lower_bound(channel_key(topic, ""));
       i != regs_.end() && i->first.category == channel_category && i->first.key == topic;
       ++i)
    out.push_back(i->first.subkey);
  return out;
}

std::vector<const lookup_peer*> lookup_db::lookup(const std::string& topic, int64_t now,
                                                  const lookup_liveness& l) const {
  std::vector<const lookup_peer*> out;
  auto i = regs_.find(topic_key(topic));
  if (i == regs_.end())
    return out;
  for (auto& [id, prod] : i->second)
    if (active(*prod.peer, now, l) && !tombstoned(prod, now, l))
      out.push_back(prod.peer.get());
  return out;
}

std::vector<lookup_db::node> lookup_db::nodes(int64_t now,
                                              const lookup_liveness& l) const {
  std::vector<node> out;
  auto clients = regs_.find({client_category, "", ""});
  if (clients == regs_.end())
    return out;
  for (auto& [id, prod] : clients->second) {
    if (!active(*prod.peer, now, l))
      continue;
    node n{prod.peer.get(), {}, {}};
    for (auto i = regs_.lower_bound({topic_category, "", ""});
         i != regs_.end() && i->first.category == topic_category; ++i) {
      auto p = i->second.find(id);
      if (p == i->second.end())
        continue;
      n.topics.push_back(i->first.key);
      n.tombstones.push_back(tombstoned(p->second, now, l));
    }
    out.push_back(std::move(n));
  }
  return out;
}

} // namespace nsq
