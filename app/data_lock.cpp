#include "app/data_lock.hpp"

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

namespace nsq {

namespace {

/// Returns strerror(err) starting in lower case, as Go prints errno strings.
std::string go_errno(int err) {
  std::string text = std::strerror(err);
  if (!text.empty())
    text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

std::string current_dir() {
  char buf[4096];
  return getcwd(buf, sizeof(buf)) ? std::string(buf) : std::string(".");
}

} // namespace

data_lock::~data_lock() {
  if (fd_ >= 0)
    ::close(fd_); // releases the flock
}

std::string data_lock::acquire(const std::string& dir) {
  auto path = dir.empty() ? current_dir() : dir;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return "failed to lock data-path: open " + path + ": " + go_errno(errno);
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    auto err = errno;
    ::close(fd);
    return "failed to lock data-path: cannot flock directory " + path + " - " +
           go_errno(err) + " (possibly in use by another instance of nsqd)";
  }
  fd_ = fd;
  return {};
}

} // namespace nsq
