#pragma once

// The auth server's answer and what it allows (reference §9.3, §9.4): JSON
// decoding with nsqd's validation, topic/channel permission matching, and
// the AUTH response frame's JSON (§5.2).

#include "protocol/checked.hpp"

#include <cstdint>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

namespace nsq {

/// One `authorizations[]` entry, its regexes compiled once.
struct authorization {
  std::string topic;
  std::vector<std::string> channels;
  bool can_subscribe = false;
  bool can_publish = false;
  std::shared_ptr<const std::regex> topic_re;
  std::vector<std::shared_ptr<const std::regex>> channel_res;

  /// nsqd's Authorization.IsAllowed: a channel asks for `subscribe`, the
  /// empty channel (publish) for `publish`; the topic regex must match and so
  /// must at least one channel regex (unanchored search).
  bool allows(std::string_view topic_name, std::string_view channel) const;
};

/// A validated auth server answer.
struct auth_grant {
  int64_t ttl = 0; ///< seconds, > 0
  std::string identity;
  std::string identity_url;
  std::vector<authorization> authorizations;

  /// Whether some entry allows `channel` of `topic` ("" = publish).
  bool allows(std::string_view topic, std::string_view channel) const;
};

/// Longest regex accepted from an auth server: std::regex compiles
/// recursively, so nesting must stay shallow.
constexpr size_t max_auth_regex_size = 1024;

/// Decodes and validates an auth server's 200 body as nsqd does: Go's JSON
/// types (unknown keys ignored, `null` = absent), permissions only
/// `subscribe`/`publish`, every regex compiles, ttl > 0. Regexes use
/// std::regex ECMAScript syntax (nsqd: Go's RE2), which agrees on the
/// common subset (anchors, classes, alternation, repetition) but not on
/// RE2-only syntax such as `(?i)` or `\z`. On failure the error text is for
/// the log only (nsqd answers the client `E_AUTH_FAILED AUTH failed`).
checked<auth_grant> decode_auth_response(std::string_view body);

/// The AUTH success frame: `{"identity":…,"identity_url":…,"permission_count":N}`.
std::string encode_auth_response(const auth_grant& grant);

} // namespace nsq
