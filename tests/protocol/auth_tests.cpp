#include "protocol/auth.hpp"
#include "protocol/auth_request.hpp"
#include "protocol/command_parser.hpp"
#include "protocol/gunzip.hpp"

#include <catch2/catch.hpp>
#include <zlib.h>

#include <string>

using namespace nsq;

namespace {

auth_grant grant_of(const std::string& body) {
  auto g = decode_auth_response(body);
  if (is_error(g))
    FAIL("decode failed: " << error_of(g).text);
  return std::get<auth_grant>(g);
}

std::string failure_of(const std::string& body) {
  auto g = decode_auth_response(body);
  REQUIRE(is_error(g));
  CHECK(error_of(g).code == "E_AUTH_FAILED");
  return error_of(g).text;
}

} // namespace

TEST_CASE("auth response: the reference example decodes", "[auth]") {
  auto g = grant_of(R"({"ttl":3600,"identity":"username","identity_url":"https://x",)"
                    R"("authorizations":[{"topic":"^clicks$","channels":[".*"],)"
                    R"("permissions":["subscribe","publish"]}]})");
  CHECK(g.ttl == 3600);
  CHECK(g.identity == "username");
  CHECK(g.identity_url == "https://x");
  REQUIRE(g.authorizations.size() == 1);
  CHECK(g.authorizations[0].can_subscribe);
  CHECK(g.authorizations[0].can_publish);
  CHECK(encode_auth_response(g) ==
        R"({"identity":"username","identity_url":"https://x","permission_count":1})");
}

TEST_CASE("auth response: nsqd's validation", "[auth]") {
  CHECK(failure_of(R"({"ttl":0,"authorizations":[]})") == "invalid TTL 0 (must be >0)");
  CHECK(failure_of(R"({"ttl":-3})") == "invalid TTL -3 (must be >0)");
  CHECK(failure_of(R"({})") == "invalid TTL 0 (must be >0)");
  CHECK(failure_of(R"(null)") == "invalid TTL 0 (must be >0)");
  CHECK(failure_of(R"({"ttl":1,"authorizations":[{"topic":"t","channels":[".*"],)"
                   R"("permissions":["read"]}]})") == "unknown permission read");
  CHECK(failure_of(R"({"ttl":1,"authorizations":[{"topic":"(","channels":[]}]})") ==
        R"(unable to compile topic "(")");
  CHECK(failure_of(R"({"ttl":1,"authorizations":[{"topic":"t","channels":["[a"]}]})") ==
        R"(unable to compile channel "[a")");
  // Go's types: ttl is an int, strings are strings.
  CHECK(failure_of(R"({"ttl":1.5})") == "invalid JSON response");
  CHECK(failure_of(R"({"ttl":"60"})") == "invalid JSON response");
  CHECK(failure_of(R"({"ttl":60,"identity":5})") == "invalid JSON response");
  CHECK(failure_of(R"({"ttl":60,"authorizations":{}})") == "invalid JSON response");
  CHECK(failure_of(R"({"ttl":60,"authorizations":[{"channels":"x"}]})") ==
        "invalid JSON response");
  CHECK(failure_of("not json") == "invalid JSON response");
  CHECK(failure_of("[1]") == "invalid JSON response");
  CHECK(failure_of(R"({"ttl":99999999999999999999})") == "invalid JSON response");
  CHECK(failure_of(R"({"ttl":1,"authorizations":[{"topic":")" + std::string(2000, 'a') +
                   R"("}]})")
            .rfind("unable to compile topic", 0) == 0);
}

TEST_CASE("auth response: null and absent fields are Go zero values", "[auth]") {
  auto g = grant_of(R"({"ttl":5,"identity":null,"authorizations":null,"extra":[1]})");
  CHECK(g.identity.empty());
  CHECK(g.authorizations.empty());
  CHECK(encode_auth_response(g) ==
        R"({"identity":"","identity_url":"","permission_count":0})");
  auto h = grant_of(R"({"ttl":5,"authorizations":[null,{"topic":"t"}]})");
  CHECK(h.authorizations.size() == 2);
  CHECK_FALSE(h.allows("t", ""));
}

TEST_CASE("auth response: identity is written as Go's json.Marshal does", "[auth]") {
  auto g = grant_of(R"({"ttl":5,"identity":"a<b>&\"c\"","identity_url":"é",)"
                    R"("authorizations":[{"topic":".*","channels":[".*"],)"
                    R"("permissions":["publish"]}]})");
  CHECK(encode_auth_response(g) ==
        "{\"identity\":\"a\\u003cb\\u003e\\u0026\\\"c\\\"\",\"identity_url\":\"é\","
        "\"permission_count\":1}");
}

TEST_CASE("authorization: permissions, unanchored search, publish channel \"\"",
          "[auth]") {
  auto g = grant_of(
      R"({"ttl":2,"authorizations":[)"
      R"({"topic":"^auth.*","channels":["^ch$"],"permissions":["subscribe","publish"]},)"
      R"({"topic":"clicks","channels":[".*"],"permissions":["publish"]},)"
      R"({"topic":".*","channels":[],"permissions":["subscribe","publish"]}]})");
  // §20.6: subscribe matches, publish checks the channels against "".
  CHECK(g.allows("authx", "ch"));
  CHECK_FALSE(g.allows("authx", ""));
  CHECK_FALSE(g.allows("authx", "ch2"));
  CHECK_FALSE(g.allows("xauth", "ch"));
  // Unanchored: "clicks" matches inside a longer name.
  CHECK(g.allows("myclicks2", ""));
  CHECK(g.allows("clicks", ""));
  CHECK_FALSE(g.allows("clicks", "c")); // publish-only entry; subscribe needs permission
  // An entry without channels allows nothing.
  CHECK_FALSE(g.allows("other", ""));
  CHECK_FALSE(g.allows("other", "c"));
}

TEST_CASE("auth request: the URL nsqd builds", "[auth]") {
  auth_query q{"127.0.0.1", false, "", "good"};
  CHECK(auth_url("127.0.0.1:14300", q) ==
        "http://127.0.0.1:14300/"
        "auth?common_name=&remote_ip=127.0.0.1&secret=good&tls=false");
  q.tls = true;
  q.common_name = "CN name/1";
  q.secret = "a b&c=d+e~f_g.h-i%\n\xff";
  CHECK(encode_auth_query(q) ==
        "common_name=CN+name%2F1&remote_ip=127.0.0.1&secret=a+b%26c%"
        "3Dd%2Be~f_g.h-i%25%0A%FF&tls=true");
  CHECK(
      auth_url("https://auth.example/v1/check", auth_query{"::1", false, "", "s"}) ==
      "https://auth.example/v1/check?common_name=&remote_ip=%3A%3A1&secret=s&tls=false");
}

TEST_CASE("auth request: URL parsing for the client", "[auth]") {
  http_url u;
  REQUIRE(parse_http_url("http://127.0.0.1:4181/auth?x=1", u));
  CHECK(u.scheme == "http");
  CHECK(u.host == "127.0.0.1");
  CHECK(u.port == "4181");
  CHECK(u.host_header == "127.0.0.1:4181");
  CHECK(u.target == "/auth?x=1");
  REQUIRE(parse_http_url("HTTP://user:pw@[::1]/a#frag", u));
  CHECK(u.scheme == "http");
  CHECK(u.host == "::1");
  CHECK(u.port == "80");
  CHECK(u.host_header == "[::1]");
  CHECK(u.target == "/a");
  REQUIRE(parse_http_url("http://h?q=1", u));
  CHECK(u.target == "/?q=1");
  REQUIRE(parse_http_url("https://h", u));
  CHECK(u.port == "443");
  CHECK(u.target == "/");
  CHECK_FALSE(parse_http_url("h:1/auth", u));
  CHECK_FALSE(parse_http_url("http://:80/", u));
  CHECK_FALSE(parse_http_url("http://h:8x/", u));
  CHECK_FALSE(parse_http_url("http://[::1/", u));
}

TEST_CASE("gunzip: bounded gzip decoding", "[auth]") {
  std::string text(5000, 'x');
  uLongf cap = compressBound(text.size()) + 32;
  std::string gz(cap, '\0');
  z_stream zs{};
  REQUIRE(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) ==
          Z_OK);
  zs.next_in = reinterpret_cast<Bytef*>(text.data());
  zs.avail_in = static_cast<uInt>(text.size());
  zs.next_out = reinterpret_cast<Bytef*>(gz.data());
  zs.avail_out = static_cast<uInt>(gz.size());
  REQUIRE(deflate(&zs, Z_FINISH) == Z_STREAM_END);
  gz.resize(zs.total_out);
  deflateEnd(&zs);
  std::string out;
  CHECK(gunzip(gz, 1 << 20, out));
  CHECK(out == text);
  CHECK_FALSE(gunzip(gz, 100, out));                              // over the bound
  CHECK_FALSE(gunzip(gz.substr(0, gz.size() / 2), 1 << 20, out)); // cut short
  CHECK_FALSE(gunzip("plain", 1 << 20, out));
}

TEST_CASE("parser: MPUB before any AUTH is refused from its line when auth is on",
          "[auth]") {
  settings cfg;
  cfg.auth_required = true;
  command_parser p(cfg);
  std::vector<command> out;
  CHECK(p.feed(std::string("  V2MPUB t\n"), out) == command_parser::status::stopped);
  REQUIRE(out.size() == 1);
  CHECK(out[0].name == "MPUB");
  CHECK(out[0].messages.empty());
  CHECK_FALSE(out[0].has_body_error());

  // After an AUTH line the body is read as usual.
  command_parser q(cfg);
  out.clear();
  std::string auth = std::string("  V2AUTH\n") + std::string("\0\0\0\1s", 5);
  std::string mpub =
      std::string("MPUB t\n") + std::string("\0\0\0\x0d\0\0\0\1\0\0\0\5hello", 17);
  CHECK(q.feed(auth + mpub, out) == command_parser::status::ok);
  REQUIRE(out.size() == 2);
  CHECK(out[1].messages.to_strings() == std::vector<std::string>{"hello"});

  // Without auth nothing changes.
  command_parser r(settings{});
  out.clear();
  CHECK(r.feed(std::string("  V2MPUB t\n"), out) == command_parser::status::ok);
  CHECK(out.empty());
}
