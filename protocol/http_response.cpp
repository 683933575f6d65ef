#include "protocol/http_response.hpp"

#include "protocol/go_json.hpp"

#include <utility>

namespace nsq {

namespace {
constexpr const char* json_type = "application/json; charset=utf-8";
}

http_response nsq_json(std::string json) {
  http_response r;
  r.content_type = json_type;
  r.body = std::move(json);
  return r;
}

http_response nsq_text(std::string text) {
  http_response r;
  r.body = std::move(text);
  return r;
}

http_response nsq_empty() {
  return http_response{};
}

http_response nsq_error(unsigned status, const std::string& message) {
  http_response r;
  r.status = status;
  r.content_type = json_type;
  r.body = "{\"message\":" + json_string(message) + "}";
  return r;
}

http_response plain_text(unsigned status, std::string text) {
  http_response r;
  r.status = status;
  r.nsq_header = false;
  r.body = std::move(text);
  return r;
}

} // namespace nsq
