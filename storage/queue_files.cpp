#include "storage/queue_files.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <dirent.h>

namespace nsq::storage {

namespace {

constexpr const char* infix = ".diskqueue.";
constexpr const char* segment_suffix = ".dat";

/// Returns true and the number if `rest` is "<6 or more digits>.dat".
bool parse_segment_suffix(const std::string& rest, uint64_t& number) {
  auto dot = rest.find('.');
  if (dot == std::string::npos || dot < 6 || dot > 18 ||
      rest.substr(dot) != segment_suffix)
    return false;
  number = 0;
  for (size_t i = 0; i < dot; ++i) {
    if (rest[i] < '0' || rest[i] > '9')
      return false;
    number = number * 10 + static_cast<uint64_t>(rest[i] - '0');
  }
  return true;
}

} // namespace

std::string segment_path(const std::string& dir, const std::string& name,
                         uint64_t number) {
  char digits[32];
  std::snprintf(digits, sizeof digits, "%06llu", static_cast<unsigned long long>(number));
  return dir + "/" + name + infix + digits + segment_suffix;
}

std::string meta_path(const std::string& dir, const std::string& name) {
  return dir + "/" + name + infix + "meta" + segment_suffix;
}

std::string journal_path(const std::string& dir, const std::string& name) {
  return dir + "/" + name + infix + "confirmed" + segment_suffix;
}

std::vector<std::string> list_channel_queues(const std::string& dir,
                                             const std::string& topic) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr)
    return names;
  std::string prefix = topic + ":";
  std::string suffix = std::string{infix} + "meta" + segment_suffix;
  while (dirent* entry = ::readdir(d)) {
    std::string file = entry->d_name;
    if (file.size() > prefix.size() + suffix.size() &&
        file.compare(0, prefix.size(), prefix) == 0 &&
        file.compare(file.size() - suffix.size(), suffix.size(), suffix) == 0)
      names.push_back(file.substr(0, file.size() - suffix.size()));
  }
  ::closedir(d);
  return names;
}

status list_segments(const std::string& dir, const std::string& name,
                     std::vector<uint64_t>& numbers) {
  numbers.clear();
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr)
    return status::io_error("open directory " + dir, errno);
  std::string prefix = name + infix;
  errno = 0;
  while (dirent* entry = ::readdir(d)) {
    std::string file = entry->d_name;
    uint64_t number = 0;
    if (file.size() > prefix.size() && file.compare(0, prefix.size(), prefix) == 0 &&
        parse_segment_suffix(file.substr(prefix.size()), number))
      numbers.push_back(number);
  }
  int err = errno;
  ::closedir(d);
  if (err != 0)
    return status::io_error("read directory " + dir, err);
  std::sort(numbers.begin(), numbers.end());
  return status::ok();
}

} // namespace nsq::storage
