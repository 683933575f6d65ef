#include "protocol/crc32c.hpp"

#include <catch2/catch.hpp>

using namespace nsq;
using namespace std::string_literals;

TEST_CASE("crc32c matches the Castagnoli check value") {
  CHECK(crc32c("123456789") == 0xe3069283u);
  CHECK(crc32c("") == 0u);
}

TEST_CASE("crc32c of 32 zero bytes matches RFC 3720's example") {
  CHECK(crc32c(std::string(32, '\0')) == 0x8a9136aau);
}

TEST_CASE("crc32c agrees with the portable table version at every length and alignment") {
  std::string data;
  for (int i = 0; i < 300; ++i)
    data.push_back(static_cast<char>(i * 131 + 7));
  for (size_t start = 0; start < 9; ++start)
    for (size_t len = 0; start + len <= data.size(); len += 1 + len / 8) {
      std::string_view part(data.data() + start, len);
      CHECK(crc32c(part) == crc32c_portable(part));
    }
}

TEST_CASE("mask_crc rotates right by 15 and adds snappy's constant") {
  CHECK(mask_crc(0) == 0xa282ead8u);
  CHECK(mask_crc(0x00008000u) == 0xa282ead9u);
  CHECK(mask_crc(0x00000001u) == 0xa284ead8u);
}

TEST_CASE("snappy_checksum of the OK frame is the observed checksum") {
  // nsqd's first snappy chunk carries 26 98 2b cf (LE) for this frame.
  CHECK(snappy_checksum("\x00\x00\x00\x06\x00\x00\x00\x00OK"s) == 0xcf2b9826u);
}
