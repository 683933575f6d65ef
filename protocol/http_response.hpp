#pragma once

// An HTTP answer as nsqd shapes it (reference §13.1), independent of the
// socket library: status, the few headers nsqd varies, and the body.

#include <string>

namespace nsq {

struct http_response {
  unsigned status = 200;
  std::string content_type; ///< empty: text/plain; charset=utf-8 when a body exists
  bool nsq_header = true;   ///< X-NSQ-Content-Type: nsq; version=1.0
  std::string allow;        ///< Allow header (405 and OPTIONS)
  std::string location;     ///< Location header (redirects)
  std::string body;
  bool close = false; ///< close the connection after this answer
};

/// 200 with a JSON value.
http_response nsq_json(std::string json);
/// 200 with a raw string value (e.g. `OK`, string config values).
http_response nsq_text(std::string text);
/// 200 with no body.
http_response nsq_empty();
/// An error: `{"message":"<text>"}`.
http_response nsq_error(unsigned status, const std::string& message);
/// A PlainText endpoint's answer (no X-NSQ header): /ping.
http_response plain_text(unsigned status, std::string text);

} // namespace nsq
