#include "bench/go_nsq_identify.hpp"

#include <nlohmann/json.hpp>

#include <unistd.h>

namespace bench {

namespace {

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0)
    return "localhost";
  return name;
}

} // namespace

std::string go_nsq_identify_json() {
  auto host = host_name();
  auto short_name = host.substr(0, host.find('.'));
  // nlohmann::json objects are std::maps: keys come out sorted, like Go's.
  nlohmann::json j = {{"client_id", short_name},
                      {"deflate", false},
                      {"deflate_level", 6},
                      {"feature_negotiation", true},
                      {"heartbeat_interval", 30000},
                      {"hostname", host},
                      {"long_id", host},
                      {"msg_timeout", 0},
                      {"output_buffer_size", 16384},
                      {"output_buffer_timeout", 250},
                      {"sample_rate", 0},
                      {"short_id", short_name},
                      {"snappy", false},
                      {"tls_v1", false},
                      {"user_agent", "go-nsq/1.1.0"}};
  return j.dump();
}

} // namespace bench
