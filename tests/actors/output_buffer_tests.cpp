// The session's output (actors/output_buffer.hpp): frames appended whole are
// handed to the connection as their own strings, in order with the rest.

#include "actors/output_buffer.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace nsq;

TEST_CASE("an output buffer keeps whole strings in order with appended frames") {
  output_buffer out;
  out.append_frame(frame_type::response, "OK");
  out.append_whole("relayed-1");
  out.append_whole("");
  out.append_whole("relayed-2");
  out.append_frame(frame_type::response, "_heartbeat_");
  auto ok = make_frame(frame_type::response, "OK");
  auto heartbeat = make_frame(frame_type::response, "_heartbeat_");
  CHECK(out.size() == ok.size() + 18 + heartbeat.size());
  CHECK_FALSE(out.empty());
  SECTION("drained: each whole string as it was given") {
    std::vector<std::string> writes;
    out.drain([&](std::string s) { writes.push_back(std::move(s)); });
    CHECK(writes == std::vector<std::string>{ok, "relayed-1", "relayed-2", heartbeat});
    CHECK(out.empty());
    CHECK(out.size() == 0);
  }
  SECTION("appending after a drain starts afresh") {
    std::string all;
    out.drain([&](std::string s) { all += s; });
    CHECK(all == ok + "relayed-1relayed-2" + heartbeat);
    out.append_frames("abc");
    std::vector<std::string> writes;
    out.drain([&](std::string s) { writes.push_back(std::move(s)); });
    CHECK(writes == std::vector<std::string>{"abc"});
  }
}

TEST_CASE("an output buffer with no whole strings drains as one write") {
  output_buffer out;
  out.append_frames("ab");
  out.append_frames("cd");
  std::vector<std::string> writes;
  out.drain([&](std::string s) { writes.push_back(std::move(s)); });
  CHECK(writes == std::vector<std::string>{"abcd"});
}
