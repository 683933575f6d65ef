#include "protocol/http_publish.hpp"
#include "protocol/http_query.hpp"
#include "protocol/http_routes.hpp"

#include <catch2/catch.hpp>

using namespace nsq;

namespace {

std::string be32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i)
    s[static_cast<size_t>(i)] = static_cast<char>(v >> (24 - 8 * i));
  return s;
}

http_error error_of(const http_bodies& b) {
  REQUIRE(std::holds_alternative<http_error>(b));
  return std::get<http_error>(b);
}

std::vector<std::string> bodies_of(const http_bodies& b) {
  REQUIRE(std::holds_alternative<body_batch>(b));
  return std::get<body_batch>(b).to_strings();
}

} // namespace

TEST_CASE("text /mpub splits on newlines, skips empty lines, keeps \\r") {
  settings cfg;
  CHECK(bodies_of(split_mpub_text("a\nb\r\n\n\nc\n", cfg)) ==
        std::vector<std::string>{"a", "b\r", "c"});
  CHECK(bodies_of(split_mpub_text("", cfg)).empty());
  cfg.max_msg_size = 3;
  CHECK(error_of(split_mpub_text("abc\nabcd", cfg)) == http_error{413, "MSG_TOO_BIG"});
  cfg.max_body_size = 4;
  CHECK(error_of(split_mpub_text("a\nb\nc", cfg)) == http_error{413, "BODY_TOO_BIG"});
}

TEST_CASE("binary /mpub: count then length-prefixed messages, nsqd's errors") {
  settings cfg;
  auto ok = be32(2) + be32(1) + "x" + be32(2) + "yz" + "trailing";
  CHECK(bodies_of(split_mpub_binary(ok, cfg)) == std::vector<std::string>{"x", "yz"});
  CHECK(error_of(split_mpub_binary("ab", cfg)) == http_error{413, "BAD_BODY"});
  CHECK(error_of(split_mpub_binary(be32(0), cfg)) == http_error{413, "BAD_BODY"});
  CHECK(error_of(split_mpub_binary(be32(0x7fffffff), cfg)) ==
        http_error{413, "BAD_BODY"});
  CHECK(error_of(split_mpub_binary(be32(2) + be32(1) + "x", cfg)) ==
        http_error{413, "BAD_MESSAGE"});
  CHECK(error_of(split_mpub_binary(be32(1) + be32(0), cfg)) ==
        http_error{413, "BAD_MESSAGE"});
  CHECK(error_of(split_mpub_binary(be32(1) + be32(5) + "abc", cfg)) ==
        http_error{413, "BAD_MESSAGE"});
  std::string b = "true";
  std::string f = "0";
  std::string other = "yes";
  CHECK_FALSE(mpub_binary_mode(nullptr));
  CHECK(mpub_binary_mode(&b));
  CHECK_FALSE(mpub_binary_mode(&f));
  CHECK(mpub_binary_mode(&other));
}

TEST_CASE("defer: signed base-10 milliseconds within max-req-timeout") {
  settings cfg;
  CHECK(std::get<int64_t>(parse_http_defer("1500", cfg)) == 1500);
  CHECK(std::get<int64_t>(parse_http_defer("+7", cfg)) == 7);
  for (auto bad : {"", "-1", "1.5", "abc", "3600001", "99999999999999999999"})
    CHECK(std::get<http_error>(parse_http_defer(bad, cfg)) ==
          http_error{400, "INVALID_DEFER"});
}

TEST_CASE("query strings: first value wins, bad escapes and semicolons are malformed") {
  auto q = parse_query("topic=a%20b&topic=c&x=+&flag");
  REQUIRE(q);
  CHECK(*find_param(*q, "topic") == "a b");
  CHECK(*find_param(*q, "x") == " ");
  CHECK(*find_param(*q, "flag") == "");
  CHECK_FALSE(parse_query("topic=%zz"));
  CHECK_FALSE(parse_query("topic=%4"));
  CHECK_FALSE(parse_query("a=1;b=2"));
  std::string t = "true", z = "0", junk = "maybe";
  CHECK(query_bool(&t, false));
  CHECK_FALSE(query_bool(&z, true));
  CHECK(query_bool(&junk, true));
}

TEST_CASE("routes: 404, 405 with Allow, OPTIONS, redirects") {
  auto r = route_request("GET", "/ping", "");
  CHECK(r.target == endpoint::ping);
  r = route_request("GET", "/pub", "");
  REQUIRE(r.answer);
  CHECK(r.answer->status == 405);
  CHECK(r.answer->allow == "OPTIONS, POST");
  CHECK(r.answer->body == R"({"message":"METHOD_NOT_ALLOWED"})");
  r = route_request("OPTIONS", "/config/x", "");
  REQUIRE(r.answer);
  CHECK(r.answer->status == 200);
  CHECK(r.answer->allow == "GET, OPTIONS, PUT");
  r = route_request("GET", "/ping/", "");
  REQUIRE(r.answer);
  CHECK(r.answer->status == 301);
  CHECK(r.answer->location == "/ping");
  r = route_request("POST", "/PUB", "topic=t");
  REQUIRE(r.answer);
  CHECK(r.answer->status == 307);
  CHECK(r.answer->location == "/pub?topic=t");
  r = route_request("GET", "/nope", "");
  REQUIRE(r.answer);
  CHECK(r.answer->status == 404);
  CHECK(r.answer->body == R"({"message":"NOT_FOUND"})");
  r = route_request("PUT", "/config/log_level", "");
  CHECK(r.target == endpoint::config);
  CHECK(r.param == "log_level");
  // httprouter cleans the path first (RedirectFixedPath) and Go's redirect
  // escapes the link in its body.
  r = route_request("GET", "//info/./", "a=<b>");
  REQUIRE(r.answer);
  CHECK(r.answer->status == 301);
  CHECK(r.answer->location == "/info?a=<b>");
  CHECK(r.answer->body == "<a href=\"/info?a=&lt;b&gt;\">Moved Permanently</a>.\n\n");
}
