#include "actors/in_flight_set.hpp"

#include <utility>

namespace nsq {

bool in_flight_set::insert(const message_id& id, entry e) {
  auto deadline = e.deadline;
  auto [it, added] = slots_.try_emplace(id, slot{std::move(e), by_deadline_.end()});
  if (!added)
    return false;
  it->second.pos = by_deadline_.emplace(deadline, id);
  return true;
}

const in_flight_set::entry* in_flight_set::find(const message_id& id) const {
  auto it = slots_.find(id);
  return it == slots_.end() ? nullptr : &it->second.value;
}

in_flight_set::entry in_flight_set::take(const message_id& id) {
  auto it = slots_.find(id);
  by_deadline_.erase(it->second.pos);
  entry result = std::move(it->second.value);
  slots_.erase(it);
  return result;
}

void in_flight_set::reschedule(const message_id& id, time_point deadline) {
  auto& s = slots_.at(id);
  by_deadline_.erase(s.pos);
  s.value.deadline = deadline;
  s.pos = by_deadline_.emplace(deadline, id);
}

std::optional<in_flight_set::time_point> in_flight_set::earliest() const {
  if (by_deadline_.empty())
    return std::nullopt;
  return by_deadline_.begin()->first;
}

std::vector<in_flight_set::entry> in_flight_set::take_due(time_point now) {
  std::vector<entry> result;
  while (!by_deadline_.empty() && by_deadline_.begin()->first <= now) {
    auto id = by_deadline_.begin()->second;
    result.push_back(take(id));
  }
  return result;
}

std::vector<in_flight_set::entry>
in_flight_set::take_owned_by(const caf::actor_addr& owner) {
  std::vector<message_id> ids;
  for (auto& [deadline, id] : by_deadline_)
    if (slots_.at(id).value.owner == owner)
      ids.push_back(id);
  std::vector<entry> result;
  result.reserve(ids.size());
  for (auto& id : ids)
    result.push_back(take(id));
  return result;
}

} // namespace nsq
