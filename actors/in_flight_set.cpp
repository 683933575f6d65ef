#include "actors/in_flight_set.hpp"

#include "actors/linear_probing.hpp"
#include "actors/message_id_hash.hpp"

#include <algorithm>
#include <utility>

namespace nsq {

namespace {

constexpr size_t min_table = 16;
/// Slots kept after the set empties; beyond it the memory goes back.
constexpr size_t keep_slots = 4096;

} // namespace

uint32_t in_flight_set::tag_of(const message_id& id) {
  return static_cast<uint32_t>(message_id_hash{}(id) >> 32);
}

size_t in_flight_set::position_of(const message_id& id) const {
  if (table_.empty())
    return none;
  auto tag = tag_of(id);
  auto mask = table_.size() - 1;
  for (auto pos = tag & mask;; pos = (pos + 1) & mask) {
    auto c = table_[pos];
    if (c == empty_cell)
      return none;
    if ((c >> 32) == tag && same_message_id(nodes_[slot_of(c)].id, id))
      return pos;
  }
}

uint32_t in_flight_set::allocate_slot() {
  if (!free_.empty()) {
    auto slot = free_.back();
    free_.pop_back();
    return slot;
  }
  nodes_.emplace_back();
  return static_cast<uint32_t>(nodes_.size() - 1);
}

void in_flight_set::place(uint32_t slot) {
  place_cell(cell{tag_of(nodes_[slot].id)} << 32 | slot);
}

void in_flight_set::place_cell(cell c) {
  auto mask = table_.size() - 1;
  auto pos = home_of(c);
  while (table_[pos] != empty_cell)
    pos = (pos + 1) & mask;
  table_[pos] = c;
}

void in_flight_set::grow_table() {
  std::vector<cell> old(std::max(min_table, table_.size() * 2), empty_cell);
  old.swap(table_);
  for (auto c : old)
    if (c != empty_cell)
      place_cell(c);
}

void in_flight_set::erase_at(size_t pos) {
  backward_shift_erase(
      table_, pos, [](cell c) { return c == empty_cell; },
      [this](cell c) { return home_of(c); }, empty_cell);
}

void in_flight_set::schedule(uint32_t slot) {
  auto& n = nodes_[slot];
  n.seq = ++next_seq_;
  queue_.push({n.value->deadline, n.seq, slot});
}

bool in_flight_set::stale(const deadline_queue::item& x) const {
  auto& n = nodes_[x.slot];
  return !n.value || n.seq != x.seq;
}

void in_flight_set::prune() {
  while (!queue_.empty() && stale(queue_.front()))
    queue_.pop_front();
}

void in_flight_set::maybe_compact() {
  // Out-of-order FINs leave stale items behind the front; bound them to
  // twice the live ones (amortized O(log n) per operation).
  if (queue_.size() <= 2 * live_ + 256)
    return;
  std::vector<deadline_queue::item> items;
  items.reserve(live_);
  for (uint32_t slot = 0; slot < nodes_.size(); ++slot)
    if (auto& n = nodes_[slot]; n.value)
      items.push_back({n.value->deadline, n.seq, slot});
  std::sort(items.begin(), items.end(), [](const auto& a, const auto& b) {
    return a.deadline < b.deadline || (a.deadline == b.deadline && a.seq < b.seq);
  });
  queue_.clear();
  for (auto& x : items)
    queue_.push(x);
}

void in_flight_set::maybe_release() {
  if (live_ != 0 || nodes_.size() <= keep_slots)
    return;
  nodes_ = {};
  free_ = {};
  table_ = {};
  queue_.clear(true);
}

bool in_flight_set::insert(const message_id& id, entry e) {
  if (position_of(id) != none)
    return false;
  if ((live_ + 1) * 2 > table_.size()) // load factor <= 1/2
    grow_table();
  auto slot = allocate_slot();
  auto& n = nodes_[slot];
  n.value.emplace(std::move(e));
  n.id = id;
  ++live_;
  place(slot);
  schedule(slot);
  maybe_compact();
  return true;
}

void in_flight_set::prefetch(const message_id& id, bool deep) const {
  if (table_.empty())
    return;
  const auto& home = table_[tag_of(id) & (table_.size() - 1)];
  if (!deep)
    __builtin_prefetch(&home);
  else if (home != empty_cell)
    __builtin_prefetch(&nodes_[slot_of(home)]);
}

const in_flight_set::entry* in_flight_set::find(const message_id& id) const {
  auto pos = position_of(id);
  return pos == none ? nullptr : &*nodes_[slot_of(table_[pos])].value;
}

in_flight_set::entry in_flight_set::take(const message_id& id) {
  auto pos = position_of(id);
  auto slot = slot_of(table_[pos]);
  erase_at(pos);
  auto& n = nodes_[slot];
  entry result = std::move(*n.value);
  n.value.reset(); // drop the message and owner references now
  free_.push_back(slot);
  --live_;
  prune();
  maybe_release();
  return result;
}

void in_flight_set::reschedule(const message_id& id, time_point deadline) {
  auto slot = slot_of(table_[position_of(id)]);
  nodes_[slot].value->deadline = deadline;
  schedule(slot);
  prune();
  maybe_compact();
}

std::optional<in_flight_set::time_point> in_flight_set::earliest() const {
  if (queue_.empty())
    return std::nullopt;
  return queue_.front().deadline;
}

std::vector<in_flight_set::entry> in_flight_set::take_due(time_point now) {
  std::vector<entry> result;
  while (!queue_.empty() && queue_.front().deadline <= now) {
    auto id = nodes_[queue_.front().slot].id; // a copy: take() frees the slot
    result.push_back(take(id));
  }
  return result;
}

std::vector<in_flight_set::entry>
in_flight_set::take_owned_by(const caf::actor_addr& owner) {
  std::vector<deadline_queue::item> mine;
  for (uint32_t slot = 0; slot < nodes_.size(); ++slot) {
    auto& n = nodes_[slot];
    if (n.value && n.value->owner == owner)
      mine.push_back({n.value->deadline, n.seq, slot});
  }
  std::sort(mine.begin(), mine.end(), [](const auto& a, const auto& b) {
    return a.deadline < b.deadline || (a.deadline == b.deadline && a.seq < b.seq);
  });
  std::vector<message_id> ids;
  ids.reserve(mine.size());
  for (auto& x : mine)
    ids.push_back(nodes_[x.slot].id);
  std::vector<entry> result;
  result.reserve(ids.size());
  for (auto& id : ids)
    result.push_back(take(id));
  return result;
}

} // namespace nsq
