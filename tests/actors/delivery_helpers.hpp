#pragma once

// Test helpers for the delivery actors (broker, topic, channel): a recording
// consumer that plays the session's part, a fake topic that records drained
// credits, and access to actor states for the counters.

#include "actors/delivery_batch.hpp"
#include "actors/flow_control.hpp"
#include "actors/id_batch.hpp"
#include "actors/messages.hpp"
#include "protocol/id_generator.hpp"
#include "tests/actors/fixture.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace nsq::test {

/// What a recording consumer received.
struct consumer_log {
  std::vector<delivery> delivered;  ///< every delivery, in order
  std::vector<size_t> batches;      ///< size of each deliver message
  std::vector<client_error> errors; ///< op_failed
  std::vector<std::string> replies; ///< subscribe replies

  /// Returns the ID of the i-th delivery.
  message_id id(size_t i) const { return data_of(delivered.at(i).msg).id; }
  /// Returns the body of the i-th delivery.
  std::string body(size_t i) const {
    return std::string{data_of(delivered.at(i).msg).body};
  }
};

/// Plays a session: forwards the channel verbs the test sends it to
/// `channel` as itself (the channel keys consumers by sender) and records
/// deliveries, op_failed errors and subscribe replies in `log`.
inline caf::behavior recording_consumer(caf::event_based_actor* self, caf::actor channel,
                                        consumer_log* log) {
  return {
      [=](subscribe_atom a, consumer_info& info) {
        self->request(channel, caf::infinite, a, std::move(info))
            .then([=](std::string& reply) { log->replies.push_back(std::move(reply)); });
      },
      [=](ready_atom a, int64_t n) { self->send(channel, a, n); },
      [=](credit_atom a, int64_t n) { self->send(channel, a, n); },
      [=](finish_atom a, id_batch& ids) { self->send(channel, a, std::move(ids)); },
      [=](requeue_atom a, message_id& id, caf::timespan d) {
        self->send(channel, a, id, d);
      },
      [=](touch_atom a, message_id& id) { self->send(channel, a, id); },
      [=](unsubscribe_atom a) { self->send(channel, a); },
      [=](deliver_atom, delivery_batch& batch) {
        auto items = deliveries_of(batch);
        log->batches.push_back(items.size());
        for (auto& d : items)
          log->delivered.push_back(std::move(d));
      },
      [=](op_failed_atom, client_error& err) { log->errors.push_back(std::move(err)); },
      [=](released_atom, const std::vector<message_id>&) {
      }, // timed out / emptied: the session's /stats count
  };
}

/// Stands in for a topic: sums the drained credits a channel reports.
inline caf::behavior drained_probe(caf::event_based_actor*, uint64_t* drained) {
  return {
      [=](drained_atom, uint64_t n) { *drained += n; },
      [](wants_atom, bool) {},
  };
}

/// Returns the state of a stateful actor spawned with `State`.
template <class State> State& state_of(const caf::actor& a) {
  auto* ptr = caf::actor_cast<caf::abstract_actor*>(a);
  return dynamic_cast<caf::stateful_actor<State>&>(*ptr).state;
}

/// Returns a message built the way a topic builds it, with ID `n`.
inline message_ref make_test_message(uint64_t n, std::string body) {
  return message_ref{message_data{encode_id(n), 1000, std::move(body)}};
}

/// Returns `count` test messages with IDs first..first+count-1, bodies "m<i>".
inline std::vector<message_ref> make_test_batch(uint64_t first, size_t count) {
  std::vector<message_ref> result;
  for (size_t i = 0; i < count; ++i)
    result.push_back(make_test_message(first + i, "m" + std::to_string(first + i)));
  return result;
}

/// The actor fixture plus shutdown of the actors a test registers (actors
/// that reference each other would otherwise keep ~actor_system waiting).
/// Returns the bodies "b<first>" .. "b<first + count - 1>".
inline std::vector<std::string> numbered_bodies(int first, int count) {
  std::vector<std::string> result;
  for (int i = first; i < first + count; ++i)
    result.push_back("b" + std::to_string(i));
  return result;
}

struct delivery_fixture : actor_fixture {
  std::vector<caf::actor> to_stop;

  ~delivery_fixture() {
    for (auto& a : to_stop)
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    to_stop.clear();
    sched.run();
  }

  /// Spawns a recording consumer for `channel` and registers it for shutdown.
  caf::actor consumer(const caf::actor& channel, consumer_log& log) {
    auto c = sys.spawn(recording_consumer, channel, &log);
    to_stop.push_back(c);
    return c;
  }

  /// Subscribes `c` with `info` and runs until the reply arrived.
  void subscribe(const caf::actor& c, consumer_info info = {}) {
    caf::anon_send(c, subscribe_atom::value, std::move(info));
    sched.run();
  }

  /// Gets channel `name` of `topic` (stopped with the test) and subscribes a
  /// recording consumer with RDY `rdy`; runs until it has taken what it can.
  caf::actor read_channel(const caf::actor& topic, const std::string& name,
                          consumer_log& log, int64_t rdy) {
    auto ch = ask_actor(topic, get_channel_atom::value, name);
    REQUIRE(ch);
    to_stop.push_back(ch);
    auto c = consumer(ch, log);
    subscribe(c);
    caf::anon_send(c, ready_atom::value, rdy);
    sched.run();
    return c;
  }

  /// Returns the actor that `dest` answers to (xs...), or a null actor on error.
  template <class... Ts> caf::actor ask_actor(const caf::actor& dest, Ts&&... xs) {
    caf::scoped_actor self{sys};
    caf::actor result;
    auto handle = self->request(dest, caf::infinite, std::forward<Ts>(xs)...);
    sched.run();
    handle.receive([&](caf::actor& a) { result = std::move(a); }, [&](caf::error&) {});
    return result;
  }

  /// Returns the string that `dest` answers to (xs...), or "<error>".
  template <class... Ts> std::string ask_string(const caf::actor& dest, Ts&&... xs) {
    caf::scoped_actor self{sys};
    std::string result = "<error>";
    auto handle = self->request(dest, caf::infinite, std::forward<Ts>(xs)...);
    sched.run();
    handle.receive([&](std::string& s) { result = std::move(s); }, [&](caf::error&) {});
    return result;
  }
};

} // namespace nsq::test
