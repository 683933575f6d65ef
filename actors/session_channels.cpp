#include "actors/session_channels.hpp"

#include <algorithm>
#include <optional>
#include <utility>

namespace nsq {

bool session_channels::attach(caf::actor handle, std::string member) {
  if (!handle || find(handle.address()) != nullptr)
    return false;
  attached_channel c;
  c.handle = std::move(handle);
  c.member = std::move(member);
  c.serial = next_serial_++;
  chans_.push_back(std::move(c));
  return true;
}

bool session_channels::detach(const caf::actor_addr& who) {
  auto i = std::find_if(chans_.begin(), chans_.end(), [&](const attached_channel& c) {
    return c.handle.address() == who;
  });
  if (i == chans_.end() || i == chans_.begin())
    return false; // the local channel leaves only with the session
  auto serial = i->serial;
  chans_.erase(i);
  // Its IDs still with the client: at most its RDY share each time, but a
  // client that never acknowledges them must not grow the set forever.
  if (orphans_.size() > max_orphans)
    orphans_.clear();
  owners_.erase_value(serial, [this](const message_id& id) { orphans_.insert(id); });
  if (!multi())
    owners_.clear(); // the local channel answers every ID again
  return true;
}

bool session_channels::orphaned_slow(const message_id& id, bool done) {
  auto i = orphans_.find(id);
  if (i == orphans_.end())
    return false;
  if (done)
    orphans_.erase(i);
  return true;
}

void session_channels::clear() {
  chans_.clear();
  owners_.clear();
  orphans_.clear();
}

bool session_channels::is_local(const caf::actor_addr& who) const {
  return !chans_.empty() && chans_.front().handle.address() == who;
}

attached_channel* session_channels::find(const caf::actor_addr& who) {
  for (auto& c : chans_)
    if (c.handle.address() == who)
      return &c;
  return nullptr;
}

attached_channel* session_channels::by_serial(uint64_t serial) {
  for (auto& c : chans_)
    if (c.serial == serial)
      return &c;
  return nullptr;
}

// -- RDY ----------------------------------------------------------------------

bool session_channels::rotates() const {
  return multi() && ready_ > 0 && ready_ < static_cast<int64_t>(chans_.size());
}

/// Keeps exactly RDY holders while RDY < channels, picking round-robin.
void session_channels::choose_holders() {
  if (!rotates()) {
    for (auto& c : chans_)
      c.holder = false;
    return;
  }
  auto holders = std::count_if(chans_.begin(), chans_.end(),
                               [](const attached_channel& c) { return c.holder; });
  for (auto i = chans_.rbegin(); holders > ready_ && i != chans_.rend(); ++i) {
    if (i->holder) {
      i->holder = false;
      --holders;
    }
  }
  for (size_t n = 0; holders < ready_ && n < chans_.size(); ++n) {
    auto& c = chans_[next_holder_++ % chans_.size()];
    if (c.holder)
      continue;
    c.holder = true;
    c.held_ticks = 0;
    c.delivered = false;
    ++holders;
  }
  next_holder_ %= chans_.size();
}

/// Each channel's RDY share. R >= k: the active channels split R less one
/// slot per idle channel (equal shares if all or none are active), so an idle
/// member does not hold RDY that a busy one could use.
std::vector<int64_t> session_channels::targets() const {
  auto k = chans_.size();
  std::vector<int64_t> out(k, 0);
  if (ready_ <= 0)
    return out;
  if (ready_ < static_cast<int64_t>(k)) {
    for (size_t i = 0; i < k; ++i)
      out[i] = chans_[i].holder ? 1 : 0;
    return out;
  }
  auto active = static_cast<int64_t>(std::count_if(
      chans_.begin(), chans_.end(), [](const attached_channel& c) { return c.active; }));
  bool even = active == 0 || active == static_cast<int64_t>(k);
  auto sharing = even ? static_cast<int64_t>(k) : active;
  auto rest = ready_ - (static_cast<int64_t>(k) - sharing);
  int64_t rank = 0;
  for (size_t i = 0; i < k; ++i) {
    if (!even && !chans_[i].active) {
      out[i] = 1;
      continue;
    }
    out[i] = rest / sharing + (rank++ < rest % sharing ? 1 : 0);
  }
  return out;
}

std::vector<rdy_change> session_channels::rebalance(bool resend) {
  choose_holders();
  auto target = targets();
  std::vector<rdy_change> out;
  for (size_t i = 0; i < chans_.size(); ++i) {
    auto& c = chans_[i];
    auto t = target[i];
    if (resend && t == c.share)
      out.push_back(rdy_change{c.handle, t, false});
    if (t >= c.share)
      continue;
    c.share = t;
    ++c.lowering;
    out.push_back(rdy_change{c.handle, t, true});
  }
  // Raises only where the total stays within RDY: a channel may still use
  // max(cap, in_flight) slots whatever we send it now.
  int64_t used = 0;
  for (auto& c : chans_)
    used += std::max(c.cap, c.in_flight);
  held_back_ = false;
  for (size_t i = 0; i < chans_.size(); ++i) {
    auto& c = chans_[i];
    auto t = target[i];
    if (t <= c.share)
      continue;
    auto before = std::max(c.cap, c.in_flight);
    auto n = std::min(t, ready_ - (used - before));
    held_back_ = held_back_ || n < t;
    if (n <= c.share)
      continue;
    c.share = n;
    c.cap = std::max(c.cap, n);
    used += std::max(c.cap, c.in_flight) - before;
    out.push_back(rdy_change{c.handle, n, false});
  }
  return out;
}

void session_channels::confirmed(const caf::actor_addr& who) {
  auto* c = find(who);
  if (c == nullptr || c->lowering == 0)
    return;
  if (--c->lowering == 0)
    c->cap = c->share; // what it delivered under the old share has arrived
}

void session_channels::tick() {
  for (auto& c : chans_) {
    if (c.delivered || c.in_flight > 0)
      c.idle_ticks = 0;
    else if (++c.idle_ticks >= idle_after_ticks)
      c.active = false;
    if (!c.holder)
      continue;
    if (c.share > 0)
      ++c.held_ticks;
    bool idle = c.held_ticks >= 2 && !c.delivered && c.in_flight == 0;
    if (idle || c.held_ticks >= busy_tenure)
      c.holder = false; // choose_holders gives the slot to the next one
  }
  for (auto& c : chans_)
    c.delivered = false;
}

// -- routing ------------------------------------------------------------------

bool session_channels::delivered(attached_channel& c, const message_id& id) {
  if (multi()) {
    bool fresh = false;
    if (owners_.insert(id, c.serial, fresh) != c.serial)
      return false;
    c.delivered = true;
    if (!c.active) {
      c.active = true;
      c.idle_ticks = 0;
      woken_ = true;
    }
  }
  ++c.in_flight;
  return true;
}

attached_channel& session_channels::route(const message_id& id, bool done) {
  auto* owner = &chans_.front();
  if (multi()) {
    std::optional<uint64_t> serial;
    if (done)
      serial = owners_.take(id);
    else if (const auto* found = owners_.find(id))
      serial = *found;
    if (auto* c = serial ? by_serial(*serial) : nullptr)
      owner = c;
  }
  // Counted out even if the ID turns out not in flight there: the channel's
  // E_FIN_FAILED / E_REQ_FAILED counts it back in (the session's
  // on_op_failed), so a bogus FIN leaves the count exact.
  if (done)
    --owner->in_flight;
  return *owner;
}

void session_channels::released(attached_channel& c, const std::vector<message_id>& ids) {
  c.in_flight = std::max<int64_t>(0, c.in_flight - static_cast<int64_t>(ids.size()));
  if (!multi())
    return;
  for (auto& id : ids)
    if (const auto* serial = owners_.find(id); serial && *serial == c.serial)
      owners_.erase(id);
}

} // namespace nsq
