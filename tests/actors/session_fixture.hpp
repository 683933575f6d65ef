#pragma once

// The session actor under CAF's deterministic scheduler: a recording
// connection instead of a socket, small fake broker/topic/channel actors
// instead of the real ones (session_tests.cpp, session_delivery_tests.cpp,
// session_publish_tests.cpp). Every check compares the exact frames written.

#include "actors/broker.hpp"
#include "actors/cluster_messages.hpp"
#include "actors/delivery_batch.hpp"
#include "actors/flow_control.hpp"
#include "actors/id_batch.hpp"
#include "actors/publish_credit.hpp"
#include "actors/session.hpp"
#include "fixture.hpp"
#include "protocol/frame.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace nsq::test {

// -- fakes --------------------------------------------------------------------

/// What the fake actors saw and how they answer. Used from the test
/// scheduler's single thread only.
struct fake_world {
  std::vector<std::string> events;                 ///< channel/topic messages, in order
  std::vector<std::vector<std::string>> published; ///< bodies per publish
  std::vector<caf::timespan> defers;
  std::vector<consumer_info> consumers;
  std::string publish_reply; ///< "" = success
  uint64_t grant = 0;        ///< credit the topic grants with each publish reply
  std::vector<std::string> topic_events; ///< publishes (request or credited), returns
  std::string subscribe_reply;           ///< "" = success
  std::vector<std::string> cluster_subs; ///< cl_sub seen by the broker ("t/c")
  caf::actor topic;
  caf::actor channel;
};

struct fake_state {
  fake_world* world = nullptr;
  static inline const char* name = "fake";
};
using fake_actor = caf::stateful_actor<fake_state>;

inline caf::behavior fake_channel(fake_actor* self, fake_world* w) {
  self->state.world = w;
  return {
      [=](subscribe_atom, const consumer_info& info) {
        w->consumers.push_back(info);
        w->events.push_back("subscribe");
        return w->subscribe_reply;
      },
      [=](ready_atom, int64_t n) { w->events.push_back("ready " + std::to_string(n)); },
      [=](credit_atom, int64_t n) { w->events.push_back("credit " + std::to_string(n)); },
      [=](finish_atom, const id_batch& batch) {
        std::string e = "finish";
        for (auto& id : batch.ids)
          e += " " + to_string(id);
        w->events.push_back(e);
      },
      [=](requeue_atom, const message_id& id, caf::timespan delay) {
        auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(delay).count();
        w->events.push_back("requeue " + to_string(id) + " " + std::to_string(ms));
      },
      [=](touch_atom, const message_id& id) {
        w->events.push_back("touch " + to_string(id));
      },
      [=](unsubscribe_atom) { w->events.push_back("unsubscribe"); },
  };
}

inline caf::behavior fake_topic(fake_actor* self, fake_world* w) {
  self->state.world = w;
  return {
      [=](publish_atom, const body_batch& bodies, caf::timespan defer, pub_grant_atom) {
        w->topic_events.push_back("request " + std::string{bodies[0]});
        w->published.push_back(bodies.to_strings());
        w->defers.push_back(defer);
        if (w->grant > 0) // as the topic does: the grant goes out before the reply
          self->send(caf::actor_cast<caf::actor>(self->current_sender()),
                     pub_grant_atom::value, w->grant);
        return w->publish_reply;
      },
      [=](pub_credited_atom, const body_batch& bodies, caf::timespan defer) {
        w->topic_events.push_back("credited " + std::string{bodies[0]});
        w->published.push_back(bodies.to_strings());
        w->defers.push_back(defer);
      },
      [=](pub_return_atom) { w->topic_events.push_back("return"); },
      [=](get_channel_atom, const std::string& name) {
        w->events.push_back("get_channel " + name);
        return w->channel;
      },
  };
}

inline caf::behavior fake_broker(fake_actor* self, fake_world* w) {
  self->state.world = w;
  return {
      [=](get_topic_atom, const std::string& name) {
        w->events.push_back("get_topic " + name);
        return w->topic;
      },
      [=](producer_atom) {}, // a first publish lists the session under /stats producers
      [=](cl_sub_atom, const std::string& t, const std::string& c) {
        w->cluster_subs.push_back(t + "/" + c);
      },
  };
}

// -- helpers ------------------------------------------------------------------

inline command cmd(std::string name, std::vector<std::string> params = {},
                   std::string body = {}) {
  command c;
  c.name = std::move(name);
  c.params = std::move(params);
  c.body = std::move(body);
  return c;
}

inline std::string response(std::string_view data) {
  return make_frame(frame_type::response, data);
}
inline std::string error(std::string_view data) {
  return make_frame(frame_type::error, data);
}

/// Encodes a message frame by hand (independently of append_message_frame).
inline std::string message_frame(int64_t ts, uint16_t attempts, const std::string& id,
                                 const std::string& body) {
  std::string out;
  auto be = [&](uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i)
      out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  be(4 + 26 + body.size(), 4);
  be(2, 4);
  be(static_cast<uint64_t>(ts), 8);
  be(attempts, 2);
  out += id;
  out += body;
  return out;
}

inline message_id mid(const std::string& s) {
  return *make_message_id(s);
}

inline delivery make_delivery(const std::string& id, int64_t ts, const std::string& body,
                              uint16_t attempts) {
  return delivery{message_ref{mid(id), ts, body}, attempts};
}

/// Also records each write separately, to see how frames were coalesced.
struct counting_connection : recording_connection {
  std::vector<std::string> writes;
  void write(std::string bytes) override {
    writes.push_back(bytes);
    recording_connection::write(std::move(bytes));
  }
};

struct session_fixture : actor_fixture {
  fake_world world;
  std::shared_ptr<counting_connection> conn = std::make_shared<counting_connection>();
  caf::actor broker;
  caf::actor session;

  session_fixture() {
    world.channel = sys.spawn(fake_channel, &world);
    world.topic = sys.spawn(fake_topic, &world);
    broker = sys.spawn(fake_broker, &world);
  }

  ~session_fixture() {
    for (auto* a : {&world.channel, &world.topic, &broker, &session})
      if (*a)
        caf::anon_send_exit(*a, caf::exit_reason::user_shutdown);
    world.channel = nullptr;
    world.topic = nullptr;
    sched.run();
  }

  void start() {
    session = spawn_session(sys, conn, broker, config, "10.0.0.7");
    sched.run();
  }

  void send(std::vector<command> batch) {
    caf::anon_send(session, commands_atom::value, std::move(batch));
    sched.run();
  }

  /// Returns what was written since the last call.
  std::string take() {
    std::string out;
    out.swap(conn->written);
    return out;
  }

  /// Subscribes to t/c and checks the OK.
  void subscribe() {
    send({cmd("SUB", {"t", "c"})});
    REQUIRE(take() == response("OK"));
  }
};

// -- heartbeats and the read deadline ------------------------------------------

} // namespace nsq::test
