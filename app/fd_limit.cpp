#include "app/fd_limit.hpp"

#include "actors/log.hpp"

#include <sys/resource.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace nsq {

void raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) {
    log_warn(std::string("cannot read the file descriptor limit - ") +
             std::strerror(errno));
    return;
  }
  if (lim.rlim_cur < lim.rlim_max) {
    auto old = lim.rlim_cur;
    lim.rlim_cur = lim.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &lim) != 0) {
      log_warn("cannot raise the file descriptor limit from " + std::to_string(old) +
               " - " + std::strerror(errno));
      return;
    }
  }
  log_info("file descriptor limit: " + (lim.rlim_cur == RLIM_INFINITY
                                            ? std::string("unlimited")
                                            : std::to_string(lim.rlim_cur)));
}

} // namespace nsq
