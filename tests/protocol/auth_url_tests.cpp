// --auth-http-address forms and nsqd's 403 → https retry (reference §9.2).

#include "protocol/auth_request.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace nsq;

namespace {

http_url parsed(const std::string& url) {
  http_url u;
  REQUIRE(parse_http_url(url, u));
  return u;
}

} // namespace

TEST_CASE("auth URL: host:port and full URLs with their path", "[auth]") {
  auth_query q{"10.0.0.1", true, "client one", "s"};
  const std::string query =
      "?common_name=client+one&remote_ip=10.0.0.1&secret=s&tls=true";
  CHECK(auth_url("auth.local:4181", q) == "http://auth.local:4181/auth" + query);
  CHECK(auth_url("http://127.0.0.1:8080/v2/check", q) ==
        "http://127.0.0.1:8080/v2/check" + query);
  CHECK(auth_url("https://auth.example:8443/nsq", q) ==
        "https://auth.example:8443/nsq" + query);

  auto u = parsed(auth_url("https://auth.example:8443/nsq", q));
  CHECK(u.scheme == "https");
  CHECK(u.host == "auth.example");
  CHECK(u.port == "8443");
  CHECK(u.host_header == "auth.example:8443");
  CHECK(u.target == "/nsq" + query);

  u = parsed(auth_url("HTTPS://[::1]/x/y", q));
  CHECK(u.scheme == "https");
  CHECK(u.host == "::1");
  CHECK(u.port == "443");
  CHECK(u.target == "/x/y" + query);
}

TEST_CASE("auth URL: a 403 with https_port is retried on https", "[auth]") {
  auto u = parsed("http://127.0.0.1:4151/auth?secret=s&tls=false");
  CHECK(https_redirect(u, R"({"message": "TLS_REQUIRED", "https_port": 4152})") ==
        "https://127.0.0.1:4152/auth?secret=s&tls=false");
  CHECK(https_redirect(parsed("http://[::1]:80/a"), R"({"https_port":443})") ==
        "https://[::1]:443/a");
  // Go decodes a missing port as 0 and retries there (and fails to connect).
  CHECK(https_redirect(u, "{}") == "https://127.0.0.1:0/auth?secret=s&tls=false");
  CHECK(https_redirect(u, "null") == "https://127.0.0.1:0/auth?secret=s&tls=false");
}

TEST_CASE("auth URL: no retry without JSON, a valid port or an explicit port", "[auth]") {
  auto u = parsed("http://127.0.0.1:4151/auth");
  CHECK(https_redirect(u, "no").empty());
  CHECK(https_redirect(u, "").empty());
  CHECK(https_redirect(u, "[1]").empty());
  CHECK(https_redirect(u, R"({"https_port":"4152"})").empty());
  CHECK(https_redirect(u, R"({"https_port":4152.5})").empty());
  CHECK(https_redirect(u, R"({"https_port":70000})").empty());
  CHECK(https_redirect(u, R"({"https_port":-1})").empty());
  // Go's net.SplitHostPort needs a port in the URL.
  CHECK(https_redirect(parsed("http://auth.local/auth"), R"({"https_port":1})").empty());
}
