#include "protocol/names.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace nsq;

TEST_CASE("valid names") {
  for (std::string name :
       {"a", "test", "A.b_c-d", "0", "...", "x#ephemeral", "-_.#ephemeral"}) {
    CAPTURE(name);
    CHECK(is_valid_topic_name(name));
    CHECK(is_valid_channel_name(name));
  }
}

TEST_CASE("invalid names") {
  for (std::string name : {"", "bad!topic", "a b", "a:b", "#ephemeral", "a#ephemeralx",
                           "a#Ephemeral", "a#ephemeral#ephemeral", "a#", "é", "a\n"}) {
    CAPTURE(name);
    CHECK_FALSE(is_valid_topic_name(name));
    CHECK_FALSE(is_valid_channel_name(name));
  }
}

TEST_CASE("names are at most 64 bytes including the ephemeral suffix") {
  CHECK(is_valid_topic_name(std::string(64, 'a')));
  CHECK_FALSE(is_valid_topic_name(std::string(65, 'a')));
  CHECK(is_valid_channel_name(std::string(54, 'a') + "#ephemeral"));
  CHECK_FALSE(is_valid_channel_name(std::string(55, 'a') + "#ephemeral"));
}

TEST_CASE("is_ephemeral looks at the suffix only") {
  CHECK(is_ephemeral("c#ephemeral"));
  CHECK(is_ephemeral("#ephemeral"));
  CHECK_FALSE(is_ephemeral("c"));
  CHECK_FALSE(is_ephemeral("c#ephemeral "));
  CHECK_FALSE(is_ephemeral("ephemeral"));
}
