#include "storage/posix_file.hpp"

#include <cerrno>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace nsq::storage {

posix_file::~posix_file() {
  if (fd_ >= 0)
    ::close(fd_); // error already irrelevant: callers who care call close()
}

posix_file::posix_file(posix_file&& other) noexcept
    : fd_(other.fd_), path_(std::move(other.path_)) {
  other.fd_ = -1;
}

posix_file& posix_file::operator=(posix_file&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = other.fd_;
    path_ = std::move(other.path_);
    other.fd_ = -1;
  }
  return *this;
}

namespace {

status open_with(const std::string& path, int flags, unsigned mode, int& fd) {
  do {
    fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
  } while (fd < 0 && errno == EINTR);
  if (fd >= 0)
    return status::ok();
  if (errno == ENOENT)
    return status::not_found(path);
  return status::io_error("open " + path, errno);
}

} // namespace

status posix_file::open_read(const std::string& path, posix_file& out) {
  int fd = -1;
  if (auto st = open_with(path, O_RDONLY, 0, fd); !st.is_ok())
    return st;
  out = posix_file{};
  out.fd_ = fd;
  out.path_ = path;
  return status::ok();
}

status posix_file::open_write(const std::string& path, posix_file& out, unsigned mode) {
  int fd = -1;
  if (auto st = open_with(path, O_RDWR | O_CREAT, mode, fd); !st.is_ok())
    return st;
  out = posix_file{};
  out.fd_ = fd;
  out.path_ = path;
  return status::ok();
}

status posix_file::read_at(uint64_t offset, char* dst, size_t n, size_t& got) const {
  got = 0;
  while (got < n) {
    ssize_t r = ::pread(fd_, dst + got, n - got, static_cast<off_t>(offset + got));
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return status::io_error("read " + path_, errno);
    if (r == 0)
      break;
    got += static_cast<size_t>(r);
  }
  return status::ok();
}

status posix_file::write_at(uint64_t offset, std::string_view data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t r = ::pwrite(fd_, data.data() + done, data.size() - done,
                         static_cast<off_t>(offset + done));
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0)
      return status::io_error("write " + path_, errno);
    done += static_cast<size_t>(r);
  }
  return status::ok();
}

status posix_file::size(uint64_t& out) const {
  struct stat st {};
  if (::fstat(fd_, &st) != 0)
    return status::io_error("stat " + path_, errno);
  out = static_cast<uint64_t>(st.st_size);
  return status::ok();
}

status posix_file::truncate(uint64_t length) {
  int r;
  do {
    r = ::ftruncate(fd_, static_cast<off_t>(length));
  } while (r != 0 && errno == EINTR);
  if (r != 0)
    return status::io_error("truncate " + path_, errno);
  return status::ok();
}

status posix_file::sync() {
  if (::fdatasync(fd_) != 0)
    return status::io_error("fsync " + path_, errno);
  return status::ok();
}

status posix_file::close() {
  if (fd_ < 0)
    return status::ok();
  int fd = fd_;
  fd_ = -1;
  // No retry on EINTR: Linux has released the descriptor either way.
  if (::close(fd) != 0 && errno != EINTR)
    return status::io_error("close " + path_, errno);
  return status::ok();
}

status sync_directory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return status::io_error("open directory " + dir, errno);
  int r = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (r != 0)
    return status::io_error("fsync directory " + dir, err);
  return status::ok();
}

status remove_file(const std::string& path) {
  if (::unlink(path.c_str()) != 0 && errno != ENOENT)
    return status::io_error("unlink " + path, errno);
  return status::ok();
}

status file_size(const std::string& path, uint64_t& out) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT)
      return status::not_found(path);
    return status::io_error("stat " + path, errno);
  }
  out = static_cast<uint64_t>(st.st_size);
  return status::ok();
}

} // namespace nsq::storage
