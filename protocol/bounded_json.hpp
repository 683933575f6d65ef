#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string_view>

namespace nsq {

/// How much structure an untrusted JSON document may have. Checked in a
/// streaming pass before any DOM is built, so a nesting or width bomb costs
/// no more memory than its text.
struct json_limits {
  std::size_t max_depth = 64;      ///< nested arrays/objects
  std::size_t max_values = 100000; ///< scalars + containers + keys
};

/// Parses `text` like `nlohmann::json::parse(..., nullptr, false)`: the
/// result `is_discarded()` when the text is not JSON or exceeds `limits`.
nlohmann::json parse_bounded_json(std::string_view text, json_limits limits = {});

} // namespace nsq
