#pragma once
// A message ID for test number n: n in 16 hex digits, as nsqd's IDs look.
#include "protocol/message.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>

namespace nsq::test {

inline message_id numbered_id(uint64_t n) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(n));
  message_id id{};
  std::copy(hex, hex + 16, id.begin());
  return id;
}

} // namespace nsq::test
