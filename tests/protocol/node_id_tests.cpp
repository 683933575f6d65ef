#include "protocol/node_id.hpp"

#include <catch2/catch.hpp>

// Expected values: Go's crc32.ChecksumIEEE(md5.Sum(hostname)) % 1024, the
// way nsqd derives its default --node-id (checked with Python's hashlib/zlib).
TEST_CASE("node_id_for matches nsqd's default node id") {
  CHECK(nsq::node_id_for("localhost") == 16);
  CHECK(nsq::node_id_for("nsq-1.example.com") == 851);
  CHECK(nsq::node_id_for("") == 812);
}
