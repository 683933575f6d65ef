#include "protocol/bounded_json.hpp"
#include "protocol/identify.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace nsq;

TEST_CASE("bounded JSON parses documents within the limits like nlohmann") {
  auto doc = parse_bounded_json(R"({"a":[1,2,{"b":null}],"c":"d"})");
  REQUIRE_FALSE(doc.is_discarded());
  CHECK(doc["a"][2]["b"].is_null());
  CHECK(doc["c"] == "d");
  CHECK(parse_bounded_json("null").is_null());
  CHECK(parse_bounded_json("{").is_discarded());
  CHECK(parse_bounded_json("").is_discarded());
}

TEST_CASE("bounded JSON refuses a document deeper than the limit") {
  json_limits limits{3, 1000};
  CHECK_FALSE(parse_bounded_json("[[[1]]]", limits).is_discarded());
  CHECK(parse_bounded_json("[[[[1]]]]", limits).is_discarded());
  CHECK(parse_bounded_json(R"({"a":{"b":{"c":{}}}})", limits).is_discarded());
}

TEST_CASE("bounded JSON refuses a document with too many values") {
  json_limits limits{8, 5};
  CHECK_FALSE(parse_bounded_json("[1,2,3,4]", limits).is_discarded());
  CHECK(parse_bounded_json("[1,2,3,4,5]", limits).is_discarded());
  CHECK(parse_bounded_json(R"({"a":1,"b":2,"c":3})", limits).is_discarded());
}

TEST_CASE("an IDENTIFY nesting bomb is a decode error, not a DOM") {
  // 4 MiB of '[' (the hostile client of issue 10): refused at depth 65.
  std::string bomb(4 << 20, '[');
  auto r = decode_identify(bomb);
  REQUIRE(is_error(r));
  CHECK(error_of(r).wire() == "E_BAD_BODY IDENTIFY failed to decode JSON body");
  CHECK(error_of(r).fatal);
  std::string deep_but_valid = std::string(64, '[') + std::string(64, ']');
  CHECK(is_error(decode_identify(deep_but_valid))); // valid JSON, not an object
  CHECK_FALSE(is_error(decode_identify(R"({"client_id":"x","extra":[[[[1]]]]})")));
}
