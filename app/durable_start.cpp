#include "app/durable_start.hpp"

#include "actors/log.hpp"
#include "protocol/names.hpp"

#include <dirent.h>

#include <memory>
#include <string_view>
#include <utility>

namespace nsq {

namespace {

/// Drops topics and channels whose names are invalid, as nsqd does.
storage::broker_metadata valid_only(storage::broker_metadata md) {
  storage::broker_metadata out;
  for (auto& t : md.topics) {
    if (!is_valid_topic_name(t.name) || is_ephemeral(t.name)) {
      log_warn("skipping creation of invalid topic " + t.name);
      continue;
    }
    storage::topic_metadata kept{t.name, t.paused, {}};
    for (auto& c : t.channels) {
      if (!is_valid_channel_name(c.name) || is_ephemeral(c.name)) {
        log_warn("skipping creation of invalid channel " + c.name);
        continue;
      }
      kept.channels.push_back(c);
    }
    out.topics.push_back(std::move(kept));
  }
  return out;
}

/// Returns the queue name of a disk-queue file name, or "" if it is none:
/// `<name>.diskqueue.meta.dat` or `<name>.diskqueue.<digits>.dat`.
std::string queue_of(std::string_view file) {
  constexpr std::string_view marker = ".diskqueue.";
  constexpr std::string_view dat = ".dat";
  if (file.size() <= dat.size() || file.substr(file.size() - dat.size()) != dat)
    return {};
  auto pos = file.rfind(marker);
  if (pos == std::string_view::npos || pos == 0)
    return {};
  auto middle =
      file.substr(pos + marker.size(), file.size() - dat.size() - pos - marker.size());
  if (middle.empty())
    return {};
  if (middle != "meta")
    for (char c : middle)
      if (c < '0' || c > '9')
        return {};
  return std::string{file.substr(0, pos)};
}

std::set<std::string> queues_in(const std::string& dir) {
  std::set<std::string> names;
  std::unique_ptr<DIR, int (*)(DIR*)> d{::opendir(dir.c_str()), ::closedir};
  if (!d)
    return names;
  while (auto* e = ::readdir(d.get()))
    if (auto name = queue_of(e->d_name); !name.empty())
      names.insert(std::move(name));
  return names;
}

} // namespace

std::string load_durable_start(const std::string& data_path, broker_startup& out) {
  auto dir = data_path.empty() ? std::string{"."} : data_path;
  out.data_path = data_path;
  storage::broker_metadata md;
  auto s = storage::load_metadata(storage::metadata_path(dir), md);
  if (s.is_not_found())
    md = {};
  else if (s.is_corruption())
    return s.message(); // "failed to parse metadata in <file> - <err>"
  else if (!s.is_ok())
    return "failed to load metadata - " + s.message();
  out.metadata = valid_only(std::move(md));
  out.queues_on_disk = queues_in(dir);
  return {};
}

} // namespace nsq
