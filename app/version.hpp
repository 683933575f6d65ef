#pragma once

#include <string>

namespace nsq {

/// The nsqd release whose behaviour we match (reported in every `version`).
inline constexpr const char* nsqd_version = "1.3.0";

/// Returns the banner of `--version` and of the first log line:
/// `nsqd v1.3.0 (built w/caf-nsqd 0.1.0, CAF 0.17.6)`.
std::string version_banner();

} // namespace nsq
