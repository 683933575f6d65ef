#include "actors/publish_credit.hpp"

#include <algorithm>

namespace nsq {

uint64_t publish_credit::held_by(const caf::actor_addr& who) const {
  auto i = held_.find(who);
  return i == held_.end() ? 0 : i->second;
}

uint64_t publish_credit::top_up(const caf::actor_addr& who, uint64_t window,
                                uint64_t room) {
  auto have = held_by(who);
  if (have * 2 > window)
    return 0;
  auto n = std::min(window - have, room);
  if (n == 0)
    return 0;
  held_[who] = have + n;
  reserved_ += n;
  return n;
}

void publish_credit::consume(const caf::actor_addr& who, uint64_t n) {
  auto i = held_.find(who);
  if (i == held_.end())
    return;
  auto used = std::min(i->second, n);
  i->second -= used;
  reserved_ -= used;
}

bool publish_credit::drop(const caf::actor_addr& who) {
  auto i = held_.find(who);
  if (i == held_.end())
    return false;
  reserved_ -= i->second;
  held_.erase(i);
  return true;
}

std::vector<caf::actor_addr> publish_credit::publishers() const {
  std::vector<caf::actor_addr> out;
  out.reserve(held_.size());
  for (auto& kv : held_)
    out.push_back(kv.first);
  return out;
}

} // namespace nsq
