#include "actors/message_id_table.hpp"

#include "actors/linear_probing.hpp"
#include "actors/message_id_hash.hpp"

namespace nsq {

namespace {

constexpr size_t min_id_table = 64;

/// The table size for `entries` at a load of at most 1/4.
size_t table_size_for(size_t entries) {
  auto size = min_id_table;
  while (size < entries * 4)
    size *= 2;
  return size;
}

} // namespace

size_t message_id_table::home_of(const message_id& id) const {
  return message_id_hash{}(id) & (table_.size() - 1);
}

size_t message_id_table::position_of(const message_id& id) const {
  if (live_ == 0)
    return table_.size();
  auto mask = table_.size() - 1;
  for (auto pos = home_of(id); table_[pos].value != vacant; pos = (pos + 1) & mask)
    if (same_message_id(table_[pos].id, id))
      return pos;
  return table_.size();
}

void message_id_table::place(const slot& s) {
  auto mask = table_.size() - 1;
  auto pos = home_of(s.id);
  while (table_[pos].value != vacant)
    pos = (pos + 1) & mask;
  table_[pos] = s;
}

void message_id_table::rebuild(const std::vector<slot>& entries) {
  table_.assign(table_size_for(entries.size()), slot{});
  for (auto& s : entries)
    place(s);
  live_ = entries.size();
}

uint64_t message_id_table::insert(const message_id& id, uint64_t value, bool& inserted) {
  inserted = true;
  if (!table_.empty()) {
    // One probe: the run ends at the ID or at the vacant slot it goes into.
    auto mask = table_.size() - 1;
    auto pos = home_of(id);
    for (; table_[pos].value != vacant; pos = (pos + 1) & mask)
      if (same_message_id(table_[pos].id, id)) {
        inserted = false;
        return table_[pos].value;
      }
    if ((live_ + 1) * 2 <= table_.size()) {
      table_[pos] = slot{id, value};
      ++live_;
      return value;
    }
  }
  add(id, value); // grows first
  return value;
}

std::vector<message_id_table::slot> message_id_table::live_entries() const {
  std::vector<slot> live;
  live.reserve(live_);
  for (auto& s : table_)
    if (s.value != vacant)
      live.push_back(s);
  return live;
}

void message_id_table::add(const message_id& id, uint64_t value) {
  if ((live_ + 1) * 2 > table_.size())
    rebuild(live_entries()); // at load 1/2: twice the size
  place(slot{id, value});
  ++live_;
}

const uint64_t* message_id_table::find(const message_id& id) const {
  auto pos = position_of(id);
  return pos == table_.size() ? nullptr : &table_[pos].value;
}

bool message_id_table::erase(const message_id& id) {
  auto pos = position_of(id);
  if (pos == table_.size())
    return false;
  erase_at(pos);
  return true;
}

std::optional<uint64_t> message_id_table::take(const message_id& id) {
  auto pos = position_of(id);
  if (pos == table_.size())
    return std::nullopt;
  auto value = table_[pos].value;
  erase_at(pos);
  return value;
}

void message_id_table::erase_at(size_t pos) {
  backward_shift_erase(
      table_, pos, [](const slot& s) { return s.value == vacant; },
      [this](const slot& s) { return home_of(s.id); }, slot{});
  --live_;
}

void message_id_table::release_slack() {
  if (table_.size() <= min_id_table || live_ * 8 >= table_.size())
    return;
  rebuild(live_entries());
}

void message_id_table::clear() {
  table_ = {};
  live_ = 0;
}

} // namespace nsq
