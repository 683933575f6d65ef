#include "net/go_http_response.hpp"

#include <ctime>
#include <string>

namespace nsq {

namespace http = boost::beast::http;

namespace {

/// Go's Date header format (RFC 7231 IMF-fixdate).
std::string http_date() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

} // namespace

http_response go_plain_error(unsigned status, const char* text) {
  http_response r;
  r.status = status;
  r.nsq_header = false;
  r.body = std::to_string(status) + " " + text;
  r.close = true;
  return r;
}

std::shared_ptr<beast_response> make_go_response(http_response r, bool keep_alive,
                                                 bool head) {
  auto out = std::make_shared<beast_response>();
  auto& res = *out;
  res.version(11);
  res.result(r.status);
  if (!r.allow.empty())
    res.set(http::field::allow, r.allow);
  if (!r.location.empty())
    res.set(http::field::location, r.location);
  if (!r.content_type.empty())
    res.set(http::field::content_type, r.content_type);
  else if (!r.body.empty())
    res.set(http::field::content_type, "text/plain; charset=utf-8");
  if (r.nsq_header)
    res.set("X-Nsq-Content-Type", "nsq; version=1.0");
  res.set(http::field::date, http_date());
  res.body() = std::move(r.body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  if (head)
    res.body().clear(); // Go answers HEAD with the headers only
  return out;
}

} // namespace nsq
