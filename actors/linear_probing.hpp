#pragma once

// Deletion for open-addressing tables with linear probing (a power-of-two
// size): later entries of the probe run are pulled into the hole, so
// lookups never need tombstones.

#include <cstddef>
#include <utility>

namespace nsq {

/// Empties position `pos` of `table`. `vacant(entry)` tells a free position,
/// `home(entry)` where an entry's probe run starts; `empty` is written into
/// the position left free at the end.
template <class Table, class IsVacant, class HomeOf>
void backward_shift_erase(Table& table, size_t pos, IsVacant vacant, HomeOf home,
                          typename Table::value_type empty) {
  auto mask = table.size() - 1;
  auto hole = pos;
  for (auto i = (pos + 1) & mask; !vacant(table[i]); i = (i + 1) & mask) {
    if (((i - home(table[i])) & mask) >= ((i - hole) & mask)) {
      table[hole] = std::move(table[i]);
      hole = i;
    }
  }
  table[hole] = std::move(empty);
}

} // namespace nsq
