// The messages a session and a channel on different nodes exchange (and the
// directories' own) cross CAF's middleman only if every payload type is
// announced by name: each is serialized and read back here as the middleman
// does (binary_serializer / binary_deserializer with the actor system).

#include "actors/cluster_messages.hpp"
#include "actors/delivery_batch.hpp"
#include "actors/flow_control.hpp"
#include "actors/id_batch.hpp"
#include "actors/messages.hpp"
#include "fixture.hpp"

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>
#include <caf/stream_deserializer.hpp>
#include <caf/streambuf.hpp>

#include <catch2/catch.hpp>

using namespace nsq;
using namespace std::chrono_literals;

namespace {

struct wire_fixture : test::actor_fixture {
  /// Serializes `msg` and reads it back; fails the test on an error.
  caf::message round_trip(const caf::message& msg) {
    std::vector<char> buf;
    caf::binary_serializer sink{sys, buf};
    auto in = msg; // the inspector takes a mutable reference
    auto err = sink(in);
    INFO(sys.render(err));
    REQUIRE_FALSE(err);
    caf::binary_deserializer source{sys, buf};
    caf::message out;
    err = source(out);
    INFO(sys.render(err));
    REQUIRE_FALSE(err);
    CHECK(caf::to_string(out) == caf::to_string(msg));
    return out;
  }
};

message_id id_of(char c) {
  message_id id{};
  id.fill(c);
  return id;
}

/// Serializes `batch` alone (as the middleman does inside a message).
std::vector<char> bytes_of(caf::actor_system& sys, delivery_batch batch) {
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  REQUIRE_FALSE(sink(batch));
  return buf;
}

/// Reads a batch from `buf`; the error, if any.
caf::error load(caf::actor_system& sys, const std::vector<char>& buf,
                delivery_batch& out) {
  caf::binary_deserializer source{sys, buf};
  return source(out);
}

/// A blob as save_blob writes it: a sequence length, then raw bytes.
std::vector<char> framed(caf::actor_system& sys, size_t declared,
                         const std::vector<char>& blob) {
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  REQUIRE_FALSE(sink.begin_sequence(declared));
  if (!blob.empty())
    REQUIRE_FALSE(sink.apply_raw(blob.size(), const_cast<char*>(blob.data())));
  return buf;
}

} // namespace

TEST_CASE_METHOD(wire_fixture, "channel and session messages survive serialization",
                 "[wire]") {
  message_data data{id_of('a'), 1234567, "hello"};
  delivery_batch batch{{{message_ref{data}, 3}}};
  auto out = round_trip(caf::make_message(deliver_atom::value, batch));
  REQUIRE(out.match_elements<deliver_atom, delivery_batch>());
  auto got = deliveries_of(out.get_as<delivery_batch>(1));
  REQUIRE(got.size() == 1);
  CHECK(data_of(got[0].msg).body == "hello");
  CHECK(data_of(got[0].msg).id == id_of('a'));
  CHECK(data_of(got[0].msg).timestamp == 1234567);
  CHECK(got[0].attempts == 3);

  out = round_trip(
      caf::make_message(finish_atom::value, id_batch{{id_of('b'), id_of('c')}}));
  CHECK(out.get_as<id_batch>(1).ids == std::vector<message_id>{id_of('b'), id_of('c')});
  round_trip(caf::make_message(finish_atom::value, id_batch{}));
  out = round_trip(
      caf::make_message(released_atom::value, std::vector<message_id>{id_of('f')}));
  CHECK(out.get_as<std::vector<message_id>>(1).back() == id_of('f'));

  consumer_info info;
  info.client_id = "c1";
  info.remote_address = "10.0.0.1:5000";
  out = round_trip(caf::make_message(subscribe_atom::value, info));
  CHECK(out.get_as<consumer_info>(1).remote_address == "10.0.0.1:5000");

  out = round_trip(caf::make_message(op_failed_atom::value,
                                     client_error{"E_FIN_FAILED", "FIN failed", false}));
  CHECK(out.get_as<client_error>(1) == client_error{"E_FIN_FAILED", "FIN failed", false});

  round_trip(caf::make_message(ready_atom::value, int64_t{17}));
  round_trip(caf::make_message(credit_atom::value, int64_t{65536}));
  round_trip(caf::make_message(unsubscribe_atom::value));
  round_trip(caf::make_message(requeue_atom::value, id_of('d'), caf::timespan{5s}));
  round_trip(caf::make_message(touch_atom::value, id_of('e')));
}

TEST_CASE_METHOD(wire_fixture, "channel directory messages survive serialization",
                 "[wire]") {
  std::vector<channel_key> keys{{"t", "c"}, {"t2", "c2#ephemeral"}};
  auto out = round_trip(caf::make_message(cl_want_atom::value, keys));
  CHECK(out.get_as<std::vector<channel_key>>(1) == keys);
  round_trip(caf::make_message(cl_unwant_atom::value, keys));
}

TEST_CASE_METHOD(wire_fixture, "a delivery batch crosses the wire as one blob",
                 "[wire]") {
  delivery_batch batch;
  batch.items.push_back({message_ref{message_data{id_of('e'), -5, ""}}, 0});
  batch.items.push_back(
      {message_ref{message_data{id_of('l'), 1, std::string(1 << 20, 'L')}}, 65535});
  for (int i = 0; i < 5000; ++i)
    batch.items.push_back(
        {message_ref{message_data{id_of(static_cast<char>('0' + i % 10)), i,
                                  std::string(static_cast<size_t>(i % 300), 'x')}},
         static_cast<uint16_t>(i)});
  auto buf = bytes_of(sys, batch);
  // The body bytes plus a message frame's 34 header bytes and a few for the
  // length: no per-field framing.
  size_t bodies = 0;
  for (auto& d : batch.items)
    bodies += data_of(d.msg).body.size();
  CHECK(buf.size() <= bodies + 34 * batch.items.size() + 16);
  delivery_batch got;
  REQUIRE_FALSE(load(sys, buf, got));
  // It arrives as the frames a client reads, byte for byte.
  std::string expected;
  for (auto& d : batch.items)
    append_message_frame(expected, view_of(data_of(d.msg), d.attempts));
  CHECK(got.frames() == expected);
  CHECK(got.items.empty());
  // Each frame's ID, read while the frames were checked.
  REQUIRE(got.frame_ids().size() == batch.items.size());
  for (size_t i = 0; i < batch.items.size(); ++i)
    REQUIRE(got.frame_ids()[i] == data_of(batch.items[i].msg).id);
  auto items = deliveries_of(got);
  REQUIRE(items.size() == batch.items.size());
  for (size_t i = 0; i < items.size(); ++i) {
    auto& a = data_of(batch.items[i].msg);
    auto& b = data_of(items[i].msg);
    REQUIRE(b.id == a.id);
    REQUIRE(b.timestamp == a.timestamp);
    REQUIRE(b.body == a.body);
    REQUIRE(items[i].attempts == batch.items[i].attempts);
  }
  SECTION("passed on again as it came") {
    delivery_batch again;
    REQUIRE_FALSE(load(sys, bytes_of(sys, got), again));
    CHECK(again.frames() == expected);
  }
  SECTION("an empty batch") {
    REQUIRE_FALSE(load(sys, bytes_of(sys, delivery_batch{}), got));
    CHECK(deliveries_of(got).empty());
  }
}

TEST_CASE_METHOD(wire_fixture,
                 "a delivery batch reads the same from a buffer and from a stream",
                 "[wire]") {
  // The middleman's binary_deserializer hands its bytes over directly; any
  // other deserializer takes the chunked path. Both must agree.
  delivery_batch batch{
      {{message_ref{message_data{id_of('a'), 7, "hello"}}, 2},
       {message_ref{message_data{id_of('b'), 8, std::string(3000, 'w')}}, 3}}};
  auto buf = bytes_of(sys, batch);
  delivery_batch from_buffer;
  REQUIRE_FALSE(load(sys, buf, from_buffer));
  caf::arraybuf<char> source_buf{buf};
  caf::stream_deserializer<caf::arraybuf<char>&> source{sys, source_buf};
  delivery_batch from_stream;
  REQUIRE_FALSE(source(from_stream));
  CHECK(from_buffer.frames() == pack_frames(batch.items));
  CHECK(from_stream.frames() == from_buffer.frames());
  CHECK(deliveries_of(from_stream).size() == 2);
}

TEST_CASE_METHOD(wire_fixture, "a malformed delivery batch is rejected", "[wire]") {
  delivery_batch batch{{{message_ref{message_data{id_of('a'), 7, "hello"}}, 2},
                        {message_ref{message_data{id_of('b'), 8, "world"}}, 3}}};
  auto frames = pack_frames(batch.items);
  std::vector<char> blob(frames.begin(), frames.end());
  delivery_batch got;
  auto rejected = [&] {
    auto err = load(sys, framed(sys, blob.size(), blob), got);
    return err && !got.has_frames() && got.frame_ids().empty() && got.items.empty();
  };
  SECTION("every truncation of the serialized batch") {
    auto buf = bytes_of(sys, batch);
    for (size_t n = 0; n < buf.size(); ++n) {
      std::vector<char> cut(buf.begin(), buf.begin() + static_cast<std::ptrdiff_t>(n));
      INFO(n);
      CHECK(load(sys, cut, got));
    }
  }
  SECTION("a sequence length far beyond the input") {
    CHECK(load(sys, framed(sys, 0xFFFFFFF0u, blob), got));
  }
  SECTION("a blob cut inside a frame, its length consistent") {
    blob.resize(blob.size() - 3);
    CHECK(rejected());
  }
  SECTION("a frame size beyond the blob") {
    blob[0] = '\x7f';
    CHECK(rejected());
  }
  SECTION("a frame size shorter than a message header") {
    blob[0] = blob[1] = blob[2] = '\0';
    blob[3] = '\x0a';
    CHECK(rejected());
  }
  SECTION("a frame that is not a message") {
    blob[7] = '\x01'; // an error frame
    CHECK(rejected());
  }
  SECTION("trailing bytes after the last frame") {
    blob.push_back('z');
    CHECK(rejected());
  }
  SECTION("the blob itself is well formed") {
    CHECK_FALSE(load(sys, framed(sys, blob.size(), blob), got));
    CHECK(deliveries_of(got).size() == 2);
  }
}

TEST_CASE_METHOD(wire_fixture, "a FIN batch crosses the wire as 16 bytes an ID",
                 "[wire]") {
  id_batch batch;
  for (int i = 0; i < 1000; ++i)
    batch.ids.push_back(id_of(static_cast<char>(i)));
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  REQUIRE_FALSE(sink(batch));
  CHECK(buf.size() <= 16 * batch.ids.size() + 8);
  id_batch got;
  caf::binary_deserializer source{sys, buf};
  REQUIRE_FALSE(source(got));
  CHECK(got.ids == batch.ids);
  SECTION("a blob that is not whole IDs") {
    auto buf17 = framed(sys, 17, std::vector<char>(17, 'x'));
    caf::binary_deserializer bad{sys, buf17};
    CHECK(bad(got));
    CHECK(got.ids.empty());
  }
  SECTION("a sequence length far beyond the input") {
    auto huge = framed(sys, 0xFFFFFFF0u, std::vector<char>(32, 'x'));
    caf::binary_deserializer bad{sys, huge};
    CHECK(bad(got));
  }
}

TEST_CASE_METHOD(wire_fixture, "a publish's body batch survives serialization",
                 "[wire]") {
  auto out = round_trip(caf::make_message(publish_atom::value,
                                          body_batch::of({"a", "bc"}), caf::timespan{0}));
  CHECK(out.get_as<body_batch>(1).to_strings() == std::vector<std::string>{"a", "bc"});
}

TEST_CASE_METHOD(wire_fixture,
                 "a body batch whose message lies past its buffer is refused", "[wire]") {
  body_batch bad{std::string("abc")};
  bad.add(2, 5);
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  REQUIRE_FALSE(sink(bad));
  body_batch got = body_batch::of({"left over"});
  caf::binary_deserializer source{sys, buf};
  CHECK(source(got) == caf::sec::invalid_argument);
  CHECK(got.empty());
}
