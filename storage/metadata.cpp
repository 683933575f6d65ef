#include "storage/metadata.hpp"

#include "storage/atomic_file.hpp"

#include "protocol/bounded_json.hpp"

#include <nlohmann/json.hpp>

namespace nsq::storage {

namespace {

using json = nlohmann::ordered_json;

/// nsqd.dat stays small (names are at most 64 bytes); this bounds the read.
constexpr uint64_t max_metadata_size = 64 * 1024 * 1024;

json list_or_null(json list) {
  return list.empty() ? json(nullptr) : list;
}

/// Reads `obj[key]` as a string into `out`; false if present with another type.
bool get_string(const json& obj, const char* key, std::string& out) {
  auto it = obj.find(key);
  if (it == obj.end())
    return true;
  if (!it->is_string())
    return false;
  out = it->get<std::string>();
  return true;
}

bool get_bool(const json& obj, const char* key, bool& out) {
  auto it = obj.find(key);
  if (it == obj.end())
    return true;
  if (!it->is_boolean())
    return false;
  out = it->get<bool>();
  return true;
}

/// Returns the array at `obj[key]`, or nullptr for absent/null; `ok` false on another
/// type.
const json* get_list(const json& obj, const char* key, bool& ok) {
  ok = true;
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null())
    return nullptr;
  if (!it->is_array()) {
    ok = false;
    return nullptr;
  }
  return &*it;
}

bool decode_channel(const json& j, channel_metadata& out) {
  return j.is_object() && get_string(j, "name", out.name) &&
         get_bool(j, "paused", out.paused);
}

bool decode_topic(const json& j, topic_metadata& out) {
  if (!j.is_object() || !get_string(j, "name", out.name) ||
      !get_bool(j, "paused", out.paused))
    return false;
  bool ok = true;
  const json* channels = get_list(j, "channels", ok);
  if (!ok)
    return false;
  if (channels != nullptr)
    for (const auto& c : *channels) {
      channel_metadata channel;
      if (!decode_channel(c, channel))
        return false;
      out.channels.push_back(std::move(channel));
    }
  return true;
}

} // namespace

std::string metadata_path(const std::string& data_path) {
  return (data_path.empty() ? std::string(".") : data_path) + "/nsqd.dat";
}

std::string encode_metadata(const broker_metadata& metadata) {
  json topics = json::array();
  for (const auto& t : metadata.topics) {
    json channels = json::array();
    for (const auto& c : t.channels)
      channels.push_back(json{{"name", c.name}, {"paused", c.paused}});
    topics.push_back(json{
        {"name", t.name}, {"paused", t.paused}, {"channels", list_or_null(channels)}});
  }
  json doc{{"topics", list_or_null(topics)}, {"version", metadata_version}};
  return doc.dump();
}

status decode_metadata(std::string_view text, broker_metadata& out) {
  json doc = parse_bounded_json(text, {64, 100000000});
  if (doc.is_discarded())
    return status::corruption("invalid JSON");
  if (!doc.is_object())
    return status::corruption("metadata is not a JSON object");
  bool ok = true;
  const json* topics = get_list(doc, "topics", ok);
  if (!ok)
    return status::corruption("\"topics\" is not a list");
  broker_metadata result;
  if (topics != nullptr)
    for (const auto& t : *topics) {
      topic_metadata topic;
      if (!decode_topic(t, topic))
        return status::corruption("malformed topic entry");
      result.topics.push_back(std::move(topic));
    }
  out = std::move(result);
  return status::ok();
}

status load_metadata(const std::string& path, broker_metadata& out) {
  std::string text;
  if (auto st = read_small_file(path, max_metadata_size, text); !st.is_ok())
    return st;
  if (auto st = decode_metadata(text, out); !st.is_ok())
    return status::corruption("failed to parse metadata in " + path + " - " +
                              st.message());
  return status::ok();
}

status save_metadata(const std::string& path, const broker_metadata& metadata) {
  return write_file_atomically(path, encode_metadata(metadata), 0600, true);
}

} // namespace nsq::storage
