#include "app/hostname.hpp"

#include <unistd.h>

#include <climits>

namespace nsq {

std::string os_hostname() {
  char name[HOST_NAME_MAX + 1] = {};
  if (gethostname(name, sizeof(name) - 1) != 0)
    return {};
  return name;
}

} // namespace nsq
