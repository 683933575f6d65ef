#pragma once

#include "app/option_table.hpp"

#include <string>
#include <vector>

namespace nsq {

/// Returns the usage text as Go's flag.PrintDefaults prints nsqd's flag set:
/// `Usage of nsqd:` then, sorted by name, `  -name type` and the indented help
/// with `(default ...)` when the default is not the zero value.
std::string usage_text(const std::vector<option_spec>& options);

} // namespace nsq
