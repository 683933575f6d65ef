#pragma once

#include <chrono>
#include <string>

namespace nsq {

/// caf-nsqlookupd's configuration (reference §11.1), with its defaults.
struct lookupd_settings {
  using ms = std::chrono::milliseconds;
  std::string tcp_address = "0.0.0.0:4160";
  std::string http_address = "0.0.0.0:4161";
  std::string broadcast_address; ///< "" = the OS hostname
  ms inactive_producer_timeout{300'000};
  ms tombstone_lifetime{45'000};
  std::string log_level = "info";
  std::string log_prefix = "[nsqlookupd] ";
  std::string config;
  bool verbose = false; ///< deprecated, no effect
};

} // namespace nsq
