#include "actors/id_batch.hpp"

#include <caf/sec.hpp>

#include <cstring>

static_assert(sizeof(nsq::message_id) == 16, "IDs are packed back to back");

namespace nsq {

std::vector<char> pack_ids(const std::vector<message_id>& ids) {
  std::vector<char> out(ids.size() * sizeof(message_id));
  if (!ids.empty())
    std::memcpy(out.data(), ids.data(), out.size());
  return out;
}

caf::error unpack_ids(const char* blob, size_t size, std::vector<message_id>& out) {
  out.clear();
  if (size % sizeof(message_id) != 0)
    return caf::make_error(caf::sec::invalid_argument,
                           "malformed ID batch: not a multiple of 16 bytes");
  out.resize(size / sizeof(message_id));
  if (!out.empty())
    std::memcpy(out.data(), blob, size);
  return caf::none;
}

} // namespace nsq
