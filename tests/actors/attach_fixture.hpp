#pragma once

// A session attached to several real channel actors (the way a cluster node
// attaches the same topic/channel of other members), for
// session_attach_tests.cpp and session_routing_tests.cpp. The broker and
// topic are fakes that hand out the local channel; the frames are read off a
// recording connection.

#include "actors/channel.hpp"
#include "actors/channel_state.hpp"
#include "actors/cluster_messages.hpp"
#include "actors/session.hpp"
#include "actors/session_state.hpp"
#include "delivery_helpers.hpp"
#include "protocol/frame.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <set>
#include <string>
#include <vector>

using namespace std::chrono_literals;

namespace nsq::test {

/// Broker and topic in one: get_topic answers itself, get_channel the
/// local channel; cl_sub requests are counted.
inline caf::behavior topic_and_broker(caf::event_based_actor* self, caf::actor* local,
                                      int* cl_subs) {
  return {
      [=](get_topic_atom, const std::string&) {
        return caf::actor_cast<caf::actor>(self);
      },
      [=](get_channel_atom, const std::string&) { return *local; },
      [=](cl_sub_atom, const std::string&, const std::string&) { ++*cl_subs; },
  };
}

struct attach_fixture : delivery_fixture {
  /// Message `n`'s ID as the client sees it.
  static std::string id_of(uint64_t n) {
    auto id = encode_id(n);
    return std::string(id.begin(), id.end());
  }
  static uint32_t be32(const std::string& s, size_t at) {
    uint32_t v = 0;
    for (size_t i = 0; i < 4; ++i)
      v = v << 8 | static_cast<unsigned char>(s[at + i]);
    return v;
  }

  caf::actor local;
  std::vector<caf::actor> remotes;
  int cl_subs = 0;
  caf::actor broker;
  caf::actor session;
  std::shared_ptr<recording_connection> conn = std::make_shared<recording_connection>();
  std::vector<std::string> errors; ///< error frames read so far
  int64_t in_flight = 0;           ///< messages read and not yet FIN'd or REQ'd

  attach_fixture() {
    auto probe = sys.spawn(drained_probe, &drained);
    to_stop.push_back(probe);
    local = spawn_channel(sys, probe, "t", "c", config);
    for (int i = 0; i < 2; ++i)
      remotes.push_back(spawn_channel(sys, probe, "t", "c", config));
    broker = sys.spawn(topic_and_broker, &local, &cl_subs);
    to_stop.insert(to_stop.end(), {local, remotes[0], remotes[1], broker});
    session = spawn_session(sys, conn, broker, config, "10.0.0.7");
    to_stop.push_back(session);
    sched.run();
  }

  uint64_t drained = 0;

  void send(std::vector<command> batch) {
    caf::anon_send(session, commands_atom::value, std::move(batch));
    sched.run();
  }
  static command cmd(std::string name, std::vector<std::string> params) {
    command c;
    c.name = std::move(name);
    c.params = std::move(params);
    return c;
  }
  void subscribe() {
    send({cmd("SUB", {"t", "c"})});
    REQUIRE(take_ids().empty());
  }
  void attach(const caf::actor& ch, const std::string& member) {
    caf::anon_send(session, cl_attach_atom::value, member, ch);
    sched.run();
  }
  void enqueue(const caf::actor& ch, uint64_t first, size_t count) {
    caf::anon_send(ch, enqueue_atom::value, make_test_batch(first, count),
                   caf::timespan{0});
    sched.run();
  }
  /// Returns the message IDs written since the last call; errors go to
  /// `errors`, responses are skipped.
  std::vector<std::string> take_ids() {
    std::vector<std::string> ids;
    std::string out;
    out.swap(conn->written);
    for (size_t at = 0; at + 8 <= out.size();) {
      auto size = be32(out, at);
      auto type = be32(out, at + 4);
      auto data = out.substr(at + 8, size - 4);
      if (type == 2)
        ids.push_back(data.substr(10, 16));
      else if (type == 1)
        errors.push_back(data);
      at += 4 + size;
    }
    in_flight += static_cast<int64_t>(ids.size());
    return ids;
  }
  void fin(const std::vector<std::string>& ids) {
    std::vector<command> batch;
    for (auto& id : ids)
      batch.push_back(cmd("FIN", {id}));
    in_flight -= static_cast<int64_t>(ids.size());
    send(std::move(batch));
  }
  static channel_state& state(const caf::actor& ch) {
    return state_of<channel_state>(ch);
  }
  static nsq::consumer& only_consumer(const caf::actor& ch) {
    REQUIRE(state(ch).consumers.size() == 1);
    return state(ch).consumers.begin()->second;
  }
  session_state& session_st() { return state_of<session_state>(session); }

  /// FINs what arrives one 5 ms step later (so rotation ticks find messages
  /// in flight), checking the in-flight bound after every step, until
  /// `total` messages arrived (bounded in steps); `fin_last`: the last ones
  /// too. Returns the IDs.
  std::set<std::string> drain(int64_t rdy, size_t total, bool fin_last = false) {
    std::set<std::string> seen;
    std::vector<std::string> held;
    for (int step = 0; step < 5000 && seen.size() < total; ++step) {
      auto ids = take_ids();
      REQUIRE(in_flight <= rdy);
      for (auto& id : ids)
        CHECK(seen.insert(id).second);
      if (!held.empty())
        fin(held);
      held = std::move(ids);
      advance(5ms);
    }
    if (fin_last)
      fin(held);
    return seen;
  }
};

} // namespace nsq::test
