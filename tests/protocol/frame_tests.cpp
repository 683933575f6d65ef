#include "protocol/frame.hpp"

#include <catch2/catch.hpp>

using namespace nsq;
using namespace std::string_literals;

TEST_CASE("append_frame produces the observed OK, CLOSE_WAIT and heartbeat bytes") {
  CHECK(make_frame(frame_type::response, "OK") == "\x00\x00\x00\x06\x00\x00\x00\x00OK"s);
  CHECK(make_frame(frame_type::response, "CLOSE_WAIT") ==
        "\x00\x00\x00\x0e\x00\x00\x00\x00"
        "CLOSE_WAIT"s);
  CHECK(make_frame(frame_type::response, "_heartbeat_") ==
        "\x00\x00\x00\x0f\x00\x00\x00\x00_heartbeat_"s);
}

TEST_CASE("error frame for a wrong magic is byte exact") {
  CHECK(make_frame(frame_type::error, "E_BAD_PROTOCOL") ==
        "\x00\x00\x00\x12\x00\x00\x00\x01"
        "E_BAD_PROTOCOL"s);
}

TEST_CASE("append_frame appends after existing bytes") {
  std::string out = "xy";
  append_frame(out, frame_type::message, "");
  CHECK(out == "xy\x00\x00\x00\x04\x00\x00\x00\x02"s);
}

TEST_CASE("frame_reader decodes frames fed one byte at a time") {
  std::string stream = make_frame(frame_type::response, "OK") +
                       make_frame(frame_type::error, "E_INVALID invalid command ") +
                       make_frame(frame_type::message, std::string(3, '\0'));
  frame_reader reader;
  std::vector<frame> frames;
  for (char c : stream) {
    reader.feed(std::string_view(&c, 1));
    while (auto f = reader.next())
      frames.push_back(*f);
  }
  REQUIRE(frames.size() == 3);
  CHECK(frames[0].type == frame_type::response);
  CHECK(frames[0].data == "OK");
  CHECK(frames[1].type == frame_type::error);
  CHECK(frames[1].data == "E_INVALID invalid command ");
  CHECK(frames[2].type == frame_type::message);
  CHECK(frames[2].data == std::string(3, '\0'));
  CHECK_FALSE(reader.failed());
}

TEST_CASE("frame_reader decodes several frames from one feed") {
  frame_reader reader;
  reader.feed(make_frame(frame_type::response, "a") +
              make_frame(frame_type::response, "b"));
  CHECK(reader.next()->data == "a");
  CHECK(reader.next()->data == "b");
  CHECK_FALSE(reader.next());
}

TEST_CASE("frame_reader fails on a frame larger than its bound") {
  frame_reader reader(100);
  reader.feed("\x00\x00\x00\x65\x00\x00\x00\x00"s); // size 101
  CHECK_FALSE(reader.next());
  CHECK(reader.failed());
}

TEST_CASE("frame_reader fails on a size smaller than the type field") {
  frame_reader reader;
  reader.feed("\x00\x00\x00\x03\x00\x00\x00"s);
  CHECK_FALSE(reader.next());
  CHECK(reader.failed());
}

TEST_CASE("frame_reader fails on an unknown frame type") {
  frame_reader reader;
  reader.feed("\x00\x00\x00\x04\x00\x00\x00\x03"s);
  CHECK_FALSE(reader.next());
  CHECK(reader.failed());
}

TEST_CASE("frame_reader waits for an incomplete frame") {
  frame_reader reader;
  reader.feed("\x00\x00\x00\x06\x00\x00\x00\x00O"s);
  CHECK_FALSE(reader.next());
  CHECK_FALSE(reader.failed());
  reader.feed("K");
  auto f = reader.next();
  REQUIRE(f);
  CHECK(f->data == "OK");
}
