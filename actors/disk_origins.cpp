#include "actors/disk_origins.hpp"

#include "actors/linear_probing.hpp"
#include "actors/message_id_hash.hpp"

#include <algorithm>

namespace nsq {

namespace {

constexpr size_t min_origin_table = 64;

} // namespace

size_t disk_origins::home_of(const message_id& id) const {
  return message_id_hash{}(id) & (table_.size() - 1);
}

void disk_origins::place(const slot& s) {
  auto mask = table_.size() - 1;
  auto pos = home_of(s.id);
  while (table_[pos].seq != vacant)
    pos = (pos + 1) & mask;
  table_[pos] = s;
}

void disk_origins::resize(size_t table_size) {
  std::vector<slot> old(table_size);
  old.swap(table_);
  for (auto& s : old)
    if (s.seq != vacant)
      place(s);
}

void disk_origins::shrink() {
  auto size = min_origin_table;
  while (size < live_ * 4)
    size *= 2;
  resize(size);
}

void disk_origins::add(const message_id& id, uint64_t seq) {
  if ((live_ + 1) * 2 > table_.size())
    resize(std::max(min_origin_table, table_.size() * 2));
  place(slot{id, seq});
  ++live_;
}

std::optional<uint64_t> disk_origins::take(const message_id& id) {
  if (live_ == 0)
    return std::nullopt;
  auto mask = table_.size() - 1;
  for (auto pos = home_of(id); table_[pos].seq != vacant; pos = (pos + 1) & mask) {
    if (!same_message_id(table_[pos].id, id))
      continue;
    auto seq = table_[pos].seq;
    backward_shift_erase(
        table_, pos, [](const slot& s) { return s.seq == vacant; },
        [this](const slot& s) { return home_of(s.id); }, slot{});
    --live_;
    if (table_.size() > min_origin_table && live_ * 8 < table_.size())
      shrink(); // a drained backlog gives its memory back
    return seq;
  }
  return std::nullopt;
}

void disk_origins::clear() {
  table_ = {};
  live_ = 0;
}

} // namespace nsq
