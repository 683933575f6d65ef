#pragma once

#include <string>

namespace nsq {

/// Returns the OS hostname, or "" when it cannot be read.
std::string os_hostname();

} // namespace nsq
