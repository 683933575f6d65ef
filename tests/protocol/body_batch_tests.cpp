#include "protocol/body_batch.hpp"

#include <catch2/catch.hpp>

using nsq::body_batch;

TEST_CASE("body_batch: one message is its whole buffer") {
  auto b = body_batch::single("hello");
  REQUIRE(b.size() == 1);
  CHECK(b[0] == "hello");
  CHECK(b.buffer() == "hello");
  CHECK(b.spans_inside());
}

TEST_CASE("body_batch: strings are packed in order, empty ones included") {
  auto b = body_batch::of({"ab", "", "cde"});
  REQUIRE(b.size() == 3);
  CHECK(b.buffer() == "abcde");
  CHECK(b[0] == "ab");
  CHECK(b[1].empty());
  CHECK(b[2] == "cde");
  CHECK(b.to_strings() == std::vector<std::string>{"ab", "", "cde"});
  CHECK(b == body_batch::of({"ab", "", "cde"}));
  CHECK_FALSE(b == body_batch::of({"abc", "de"}));
}

TEST_CASE("body_batch: messages are marked inside a buffer and survive a move") {
  // Short enough for the small-string buffer: a move copies the bytes, so
  // only offsets (not pointers) may be kept.
  body_batch b{std::string("xxAByCD")};
  b.add(2, 2);
  b.add(5, 2);
  body_batch moved = std::move(b);
  REQUIRE(moved.size() == 2);
  CHECK(moved[0] == "AB");
  CHECK(moved[1] == "CD");
  CHECK(moved.spans_inside());
}

TEST_CASE("body_batch: a message past the buffer's end is caught") {
  body_batch b{std::string("abc")};
  b.add(1, 2);
  CHECK(b.spans_inside());
  b.add(2, 2);
  CHECK_FALSE(b.spans_inside());
  b.clear();
  CHECK(b.empty());
  CHECK(b.buffer().empty());
}
