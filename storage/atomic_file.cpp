#include "storage/atomic_file.hpp"

#include "storage/posix_file.hpp"

#include <cerrno>
#include <cstdio>
#include <random>

namespace nsq::storage {

namespace {

std::string temp_name_for(const std::string& path) {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  return path + "." + std::to_string(rng() % 1000000000) + ".tmp";
}

status write_temp(const std::string& tmp, std::string_view contents, unsigned mode) {
  posix_file file;
  if (auto st = posix_file::open_write(tmp, file, mode); !st.is_ok())
    return st;
  status st = file.truncate(0);
  if (st.is_ok())
    st = file.write_at(0, contents);
  if (st.is_ok())
    st = file.sync();
  status closed = file.close();
  return st.is_ok() ? closed : st;
}

} // namespace

std::string directory_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos)
    return ".";
  if (slash == 0)
    return "/";
  return path.substr(0, slash);
}

status write_file_atomically(const std::string& path, std::string_view contents,
                             unsigned mode, bool sync_dir) {
  std::string tmp = temp_name_for(path);
  if (auto st = write_temp(tmp, contents, mode); !st.is_ok()) {
    remove_file(tmp); // best effort: the temp file is garbage either way
    return st;
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    remove_file(tmp);
    return status::io_error("rename " + tmp + " to " + path, err);
  }
  return sync_dir ? sync_directory(directory_of(path)) : status::ok();
}

status read_small_file(const std::string& path, uint64_t max_bytes, std::string& out) {
  posix_file file;
  if (auto st = posix_file::open_read(path, file); !st.is_ok())
    return st;
  uint64_t size = 0;
  if (auto st = file.size(size); !st.is_ok())
    return st;
  if (size > max_bytes)
    return status::corruption(path + " is " + std::to_string(size) +
                              " bytes, more than " + std::to_string(max_bytes));
  out.assign(size, '\0');
  size_t got = 0;
  if (auto st = file.read_at(0, out.data(), out.size(), got); !st.is_ok())
    return st;
  out.resize(got);
  return status::ok();
}

} // namespace nsq::storage
