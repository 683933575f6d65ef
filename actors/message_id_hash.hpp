#pragma once

#include "protocol/message.hpp"

#include <cstddef>
#include <functional>
#include <string_view>

namespace nsq {

/// Hashes the 16 bytes of a message ID, for unordered containers keyed by ID.
struct message_id_hash {
  size_t operator()(const message_id& id) const noexcept {
    return std::hash<std::string_view>{}(std::string_view{id.data(), id.size()});
  }
};

} // namespace nsq
