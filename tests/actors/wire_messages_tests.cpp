// The messages a session and a channel on different nodes exchange (and the
// directories' own) cross CAF's middleman only if every payload type is
// announced by name: each is serialized and read back here as the middleman
// does (binary_serializer / binary_deserializer with the actor system).

#include "actors/cluster_messages.hpp"
#include "actors/flow_control.hpp"
#include "actors/messages.hpp"
#include "fixture.hpp"

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

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

} // namespace

TEST_CASE_METHOD(wire_fixture, "channel and session messages survive serialization",
                 "[wire]") {
  message_data data{id_of('a'), 1234567, "hello"};
  std::vector<delivery> batch{{message_ref{data}, 3}};
  auto out = round_trip(caf::make_message(deliver_atom::value, batch));
  REQUIRE(out.match_elements<deliver_atom, std::vector<delivery>>());
  auto& got = out.get_as<std::vector<delivery>>(1);
  REQUIRE(got.size() == 1);
  CHECK(data_of(got[0].msg).body == "hello");
  CHECK(data_of(got[0].msg).id == id_of('a'));
  CHECK(data_of(got[0].msg).timestamp == 1234567);
  CHECK(got[0].attempts == 3);

  out = round_trip(caf::make_message(finish_atom::value,
                                     std::vector<message_id>{id_of('b'), id_of('c')}));
  CHECK(out.get_as<std::vector<message_id>>(1).back() == id_of('c'));

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
