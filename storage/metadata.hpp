#pragma once

#include "storage/status.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace nsq::storage {

/// A channel as `nsqd.dat` remembers it.
struct channel_metadata {
  std::string name;
  bool paused = false;
};

/// A topic as `nsqd.dat` remembers it.
struct topic_metadata {
  std::string name;
  bool paused = false;
  std::vector<channel_metadata> channels;
};

/// The broker's persistent shape (reference §15.6): non-ephemeral topics and
/// channels (the caller leaves ephemeral ones out) and their paused flags.
struct broker_metadata {
  std::vector<topic_metadata> topics;
};

/// The nsqd version written into `nsqd.dat`.
inline constexpr std::string_view metadata_version = "1.3.0";

/// Returns `<data_path>/nsqd.dat`.
std::string metadata_path(const std::string& data_path);

/// Returns nsqd's compact JSON, keys in nsqd's order; an empty list is `null`
/// as nsqd writes it:
/// {"topics":[{"name":"t","paused":false,"channels":null}],"version":"1.3.0"}
std::string encode_metadata(const broker_metadata& metadata);

/// Parses nsqd.dat's JSON into `out` (accepting `null` or `[]` for empty
/// lists, ignoring unknown keys). Malformed JSON or wrong types are corruption
/// whose message is nsqd's fatal line's detail. Names are not validated here:
/// the caller skips invalid ones with a warning, as nsqd does.
status decode_metadata(std::string_view json, broker_metadata& out);

/// Reads `path`; a missing file is not_found (a fresh start).
status load_metadata(const std::string& path, broker_metadata& out);

/// Replaces `path` atomically (temp file, fsync, rename, fsync of the
/// directory), mode 0600 as nsqd.
status save_metadata(const std::string& path, const broker_metadata& metadata);

} // namespace nsq::storage
