// A topic created at run time holds its messages while the lookupds are
// asked for its channels (§11.2), then creates them and delivers to all.
#include "actors/lookupd_messages.hpp"
#include "actors/topic.hpp"
#include "actors/topic_state.hpp"
#include "tests/actors/delivery_helpers.hpp"

#include <catch2/catch.hpp>

using namespace std::chrono_literals;
using namespace nsq;
using namespace nsq::test;

namespace {

/// Plays the lookupd coordinator: keeps the question until the test answers.
struct fake_coordinator_state {
  caf::typed_response_promise<std::vector<std::string>> rp;
  int asked = 0;
};

// An argument: CAF 0.17.6 binds a null reference for argument-less function
// actors (UBSan).
caf::behavior fake_coordinator(caf::stateful_actor<fake_coordinator_state>* self, int) {
  return {
      [=](lk_chans_atom, const std::string&) {
        ++self->state.asked;
        self->state.rp = self->make_response_promise<std::vector<std::string>>();
        return self->state.rp;
      },
      [=](caf::ok_atom, std::vector<std::string>& chans) {
        self->state.rp.deliver(chans);
      },
  };
}

struct discovery_fixture : delivery_fixture {
  caf::actor topic;
  caf::actor coordinator;

  discovery_fixture() {
    coordinator = sys.spawn(fake_coordinator, 0);
    to_stop.push_back(coordinator);
    topic = spawn_topic(sys, "t", config);
    to_stop.push_back(topic);
    caf::anon_send(topic, lk_disc_atom::value, coordinator);
    sched.run();
  }

  topic_state& state() { return state_of<topic_state>(topic); }

  caf::actor channel(const std::string& name) {
    auto ch = ask_actor(topic, get_channel_atom::value, name);
    if (ch)
      to_stop.push_back(ch);
    return ch;
  }

  std::string publish(std::vector<std::string> bodies) {
    return ask_string(topic, publish_atom::value, std::move(bodies), caf::timespan{0});
  }

  /// Subscribes a consumer with RDY 10 and returns how many it got.
  size_t delivered_to(const caf::actor& ch) {
    auto log = std::make_shared<consumer_log>();
    logs.push_back(log);
    auto c = consumer(ch, *log);
    subscribe(c);
    caf::anon_send(c, ready_atom::value, int64_t{10});
    sched.run();
    return log->delivered.size();
  }

  std::vector<std::shared_ptr<consumer_log>> logs;
};

} // namespace

TEST_CASE_METHOD(discovery_fixture,
                 "a new topic holds messages until the lookupds' channels exist",
                 "[topic][lookupd]") {
  CHECK(state_of<fake_coordinator_state>(coordinator).asked == 1);
  auto early = channel("early"); // a SUB during discovery
  REQUIRE(early);
  CHECK(publish({"m1", "m2"}).empty()); // accepted, held
  CHECK(state().held.size() == 2);
  caf::anon_send(coordinator, caf::ok_atom::value,
                 std::vector<std::string>{"pre", "eph#ephemeral"});
  sched.run();
  CHECK(state().held.empty());
  CHECK(state().channels.count("pre") == 1);
  CHECK(state().channels.count("eph#ephemeral") == 0); // nsqd skips ephemeral ones
  auto pre = channel("pre");
  CHECK(delivered_to(early) == 2);
  CHECK(delivered_to(pre) == 2);
}

TEST_CASE_METHOD(discovery_fixture, "a discovery that never answers times out and starts",
                 "[topic][lookupd]") {
  auto ch = channel("c");
  CHECK(publish({"m"}).empty());
  CHECK(state().held.size() == 1);
  advance(config->http_client_connect_timeout + config->http_client_request_timeout + 2s);
  CHECK(state().held.empty());
  CHECK(delivered_to(ch) == 1);
}
