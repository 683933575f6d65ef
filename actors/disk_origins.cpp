#include "actors/disk_origins.hpp"

namespace nsq {

std::optional<uint64_t> disk_origins::take(const message_id& id) {
  auto it = seqs_.find(id);
  if (it == seqs_.end())
    return std::nullopt;
  auto seq = it->second;
  seqs_.erase(it);
  return seq;
}

} // namespace nsq
