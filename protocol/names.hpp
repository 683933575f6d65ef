#pragma once

#include <string_view>

namespace nsq {

/// `^[.a-zA-Z0-9_-]+(#ephemeral)?$`, 1..64 bytes including the suffix (§11.1).
bool is_valid_topic_name(std::string_view name);
bool is_valid_channel_name(std::string_view name);

/// Returns whether `name` ends in "#ephemeral".
bool is_ephemeral(std::string_view name);

} // namespace nsq
