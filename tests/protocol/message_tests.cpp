#include "protocol/message.hpp"

#include <catch2/catch.hpp>

using namespace nsq;
using namespace std::string_literals;

namespace {

message_data example() {
  message_data msg;
  msg.id = *make_message_id("18a8d3bc74807000");
  msg.timestamp = static_cast<int64_t>(0x18eb7dbf42250c77ULL);
  msg.body = "hello";
  return msg;
}

} // namespace

TEST_CASE("message frame matches the observed bytes of reference 3.3") {
  std::string out;
  append_message_frame(out, example(), 1);
  CHECK(out == "\x00\x00\x00\x23"
               "\x00\x00\x00\x02"
               "\x18\xeb\x7d\xbf\x42\x25\x0c\x77"
               "\x00\x01"
               "18a8d3bc74807000"
               "hello"s);
}

TEST_CASE("message payload is the frame without its 8-byte header") {
  std::string frame, payload;
  append_message_frame(frame, example(), 513);
  append_message_payload(payload, example(), 513);
  CHECK(payload.size() == message_header_size + 5);
  CHECK(frame.substr(8) == payload);
  CHECK(payload.substr(8, 2) == "\x02\x01"s);
}

TEST_CASE("message payload round-trips") {
  message_data msg = example();
  msg.body = "\x00 binary \xff"s;
  msg.timestamp = -5;
  std::string payload;
  append_message_payload(payload, msg, 65535);
  auto decoded = decode_message_payload(payload);
  REQUIRE(decoded);
  CHECK(decoded->attempts == 65535);
  CHECK(decoded->data.timestamp == -5);
  CHECK(decoded->data.id == msg.id);
  CHECK(decoded->data.body == msg.body);
}

TEST_CASE("message payload with an empty body round-trips") {
  message_data msg = example();
  msg.body.clear();
  std::string payload;
  append_message_payload(payload, msg, 0);
  auto decoded = decode_message_payload(payload);
  REQUIRE(decoded);
  CHECK(decoded->data.body.empty());
  CHECK(decoded->attempts == 0);
}

TEST_CASE("a payload shorter than the header is rejected") {
  CHECK_FALSE(decode_message_payload(std::string(25, 'x')));
  CHECK(decode_message_payload(std::string(26, 'x')));
}

TEST_CASE("message IDs are exactly 16 bytes of anything") {
  CHECK_FALSE(make_message_id("0123456789abcde"));
  CHECK_FALSE(make_message_id("0123456789abcdef0"));
  auto id = make_message_id("!!!!!!!!!!!!!!!!");
  REQUIRE(id);
  CHECK(to_string(*id) == "!!!!!!!!!!!!!!!!");
}
