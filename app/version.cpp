#include "app/version.hpp"

#include <caf/config.hpp>

namespace nsq {

std::string version_banner() {
  // CAF_VERSION is major * 10000 + minor * 100 + patch (1706 = 0.17.6).
  auto caf = std::to_string(CAF_VERSION / 10000) + "." +
             std::to_string(CAF_VERSION / 100 % 100) + "." +
             std::to_string(CAF_VERSION % 100);
  return std::string("nsqd v") + nsqd_version + " (built w/caf-nsqd 0.1.0, CAF " + caf +
         ")";
}

} // namespace nsq
