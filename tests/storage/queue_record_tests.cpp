#include "storage/queue_helpers.hpp"
#include "storage/queue_record.hpp"
#include "storage/temp_dir.hpp"

#include <catch2/catch.hpp>

using namespace nsq;
using namespace nsq::storage;
using namespace nsq::storage::test;
using namespace std::string_literals;

namespace {

queue_record example(int64_t deliver_at) {
  queue_record r;
  r.message.id = *make_message_id("18a8d3bc74807000");
  r.message.timestamp = static_cast<int64_t>(0x18eb7dbf42250c77ULL);
  r.message.body = "hello";
  r.attempts = 3;
  r.deliver_at = deliver_at;
  return r;
}

} // namespace

TEST_CASE("QueueRecordIsKindDeadlineThenTheMessagePayload") {
  std::string out;
  append_queue_record(out, example(0x0102030405060708));
  std::string message;
  append_message_payload(message, example(0).message, 3);
  CHECK(out == "\x01\x01\x02\x03\x04\x05\x06\x07\x08"s + message);
  CHECK(out.size() == queue_record_prefix_size + message_header_size + 5);
}

TEST_CASE("QueueRecordFromViewsIsTheSameBytes") {
  auto r = example(-5);
  r.origin = queue_position{7, 99};
  std::string from_data;
  append_queue_record(from_data, r);
  std::string from_views;
  append_queue_record(from_views,
                      queue_record_view{message_view{r.message.id, r.message.timestamp,
                                                     r.attempts, r.message.body},
                                        r.deliver_at, r.origin});
  CHECK(from_views == from_data);
}

TEST_CASE("QueueRecordRoundTrips") {
  std::string out;
  append_queue_record(out, example(1700000000123456789));
  queue_record back;
  REQUIRE(decode_queue_record(out, back).is_ok());
  CHECK(back.deliver_at == 1700000000123456789);
  CHECK(back.attempts == 3);
  CHECK(to_string(back.message.id) == "18a8d3bc74807000");
  CHECK(back.message.timestamp == example(0).message.timestamp);
  CHECK(back.message.body == "hello");
}

TEST_CASE("MalformedQueueRecordsAreCorruption") {
  queue_record back;
  CHECK(decode_queue_record("", back).is_corruption());
  std::string out;
  append_queue_record(out, example(0));
  CHECK(decode_queue_record(std::string_view(out).substr(0, 34), back).is_corruption());
  out[0] = 3;
  CHECK(decode_queue_record(out, back).is_corruption());
}

TEST_CASE("MaxQueueRecordSizeFitsTheLargestMessage") {
  queue_record r = example(0);
  r.message.body.assign(1000, 'b');
  r.origin = queue_position{1, 2};
  std::string out;
  append_queue_record(out, r);
  CHECK(out.size() == max_queue_record_size(1000));
}

TEST_CASE("ARecordCarriesItsOriginInTheTopicsQueue") {
  queue_record r = example(1700000005000000000);
  std::string plain;
  append_queue_record(plain, r);
  CHECK_FALSE(origin_of_record(plain));
  auto moved = with_origin(plain, queue_position{7, 1234});
  CHECK(moved.size() == plain.size() + queue_record_origin_size);
  auto at = origin_of_record(moved);
  REQUIRE(at);
  CHECK(at->file == 7);
  CHECK(at->offset == 1234);
  queue_record back;
  REQUIRE(decode_queue_record(moved, back).is_ok());
  REQUIRE(back.origin);
  CHECK(back.origin->offset == 1234);
  CHECK(back.message.body == r.message.body);
  CHECK(back.deliver_at == r.deliver_at);
  std::string again;
  append_queue_record(again, back);
  CHECK(again == moved);
}

TEST_CASE("DeferredMessageKeepsItsDeadlineAcrossARestart") {
  temp_dir dir;
  auto o = queue_options(dir.path());
  o.max_record_size = max_queue_record_size(1024);
  {
    auto q = open_queue(o);
    std::string payload;
    append_queue_record(payload, example(1700000005000000000));
    REQUIRE(q->put(payload).is_ok());
    REQUIRE(q->close().is_ok());
  }
  auto q = open_queue(o);
  std::string payload;
  REQUIRE(q->read_next(payload).is_ok());
  queue_record back;
  REQUIRE(decode_queue_record(payload, back).is_ok());
  CHECK(back.deliver_at == 1700000005000000000);
  CHECK(back.attempts == 3);
}

TEST_CASE("ARecordViewedInPlacePointsIntoItsPayload") {
  std::string out;
  append_queue_record(out, example(1700000000123456789));
  queue_record_view view;
  REQUIRE(view_queue_record(out, view).is_ok());
  CHECK(view.message.body == "hello");
  CHECK(view.message.body.data() == out.data() + out.size() - 5);
  CHECK(view.message.attempts == 3);
  CHECK(to_string(view.message.id) == "18a8d3bc74807000");
  CHECK(view.deliver_at == 1700000000123456789);
  CHECK_FALSE(view.origin);
  CHECK(view_queue_record(std::string_view(out).substr(0, 34), view).is_corruption());
}

TEST_CASE("AppendWithOriginAppendsWhatWithOriginReturns") {
  std::string plain;
  append_queue_record(plain, example(0));
  std::string out = "prefix";
  append_with_origin(out, plain, queue_position{3, 99});
  CHECK(out == "prefix" + with_origin(plain, queue_position{3, 99}));
  std::string other = "\x05other"s; // not a kind-1 record: appended as it is
  out.clear();
  append_with_origin(out, other, queue_position{3, 99});
  CHECK(out == other);
}
