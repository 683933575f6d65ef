// Runs of message frames as a cluster member relays them
// (protocol/message_frames.hpp): checked whole, and their IDs read in the
// same pass.

#include "protocol/id_generator.hpp"
#include "protocol/message_frames.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using namespace nsq;

namespace {

std::string frames_of(const std::vector<uint64_t>& ids) {
  std::string out;
  for (auto id : ids)
    append_message_frame(out,
                         message_data{encode_id(id), 1700000000,
                                      std::string(static_cast<size_t>(id % 50), 'b')},
                         static_cast<uint16_t>(id % 7 + 1));
  return out;
}

} // namespace

TEST_CASE("index_message_frames reads each frame's ID in order") {
  auto frames = frames_of({5, 40, 7, 123});
  std::vector<message_id> ids;
  REQUIRE(index_message_frames(frames, ids));
  CHECK(ids == std::vector<message_id>{encode_id(5), encode_id(40), encode_id(7),
                                       encode_id(123)});
  ids.clear();
  CHECK(index_message_frames("", ids));
  CHECK(ids.empty());
}

TEST_CASE("index_message_frames refuses what is not whole message frames") {
  auto frames = frames_of({1, 2, 3});
  std::vector<message_id> ids;
  SECTION("every cut short run") {
    for (size_t n = 1; n < frames.size(); ++n) {
      ids.clear();
      auto whole = n == frames_of({1}).size() || n == frames_of({1, 2}).size();
      INFO(n);
      CHECK(index_message_frames(std::string_view(frames).substr(0, n), ids) == whole);
      if (whole) // the IDs of exactly the frames before the cut
        CHECK(ids.size() == (n == frames_of({1}).size() ? 1u : 2u));
    }
  }
  SECTION("a frame of another type") {
    frames[7] = 0; // the first frame's type: response
    CHECK_FALSE(index_message_frames(frames, ids));
  }
  SECTION("a size too small for a message header") {
    frames[3] = 10;
    CHECK_FALSE(index_message_frames(frames, ids));
  }
}
