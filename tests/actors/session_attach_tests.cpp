// A session attached to several real channel actors (the way a cluster node
// attaches the same topic/channel of other members): RDY split and the
// in-flight bound, slot rotation, FIN/REQ/TOUCH routing, detach on down,
// duplicate IDs, CLS, leaving, write credit. The broker and topic are fakes
// that hand out the local channel; the frames are read off a recording
// connection.

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
namespace {

/// Broker and topic in one: get_topic answers itself, get_channel the
/// local channel; cl_sub requests are counted.
caf::behavior topic_and_broker(caf::event_based_actor* self, caf::actor* local,
                               int* cl_subs) {
  return {
      [=](get_topic_atom, const std::string&) {
        return caf::actor_cast<caf::actor>(self);
      },
      [=](get_channel_atom, const std::string&) { return *local; },
      [=](cl_sub_atom, const std::string&, const std::string&) { ++*cl_subs; },
  };
}

uint32_t be32(const std::string& s, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i)
    v = v << 8 | static_cast<unsigned char>(s[at + i]);
  return v;
}

/// What a channel on another node sends and gets, seen from the session:
/// deliveries arrive in their wire form (frames), FIN/REQ come back.
struct remote_log {
  caf::actor session;
  std::vector<message_id> finished;
  std::vector<message_id> requeued;
};

/// Stands in for a remote channel: (int) sends `frames` to the session as a
/// delivery batch received from the middleman would be.
caf::behavior frames_channel(caf::event_based_actor* self, remote_log* log,
                             std::string frames) {
  return {
      [](subscribe_atom, const consumer_info&) { return std::string{}; },
      [](ready_atom, int64_t) {},
      [](credit_atom, int64_t) {},
      [](unsubscribe_atom) {},
      [=](int) {
        delivery_batch batch;
        batch.frames = frames;
        self->send(log->session, deliver_atom::value, std::move(batch));
      },
      [=](finish_atom, const id_batch& ids) {
        log->finished.insert(log->finished.end(), ids.ids.begin(), ids.ids.end());
      },
      [=](requeue_atom, const message_id& id, caf::timespan) {
        log->requeued.push_back(id);
      },
  };
}

struct attach_fixture : delivery_fixture {
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

std::string id_of(uint64_t n) {
  auto id = encode_id(n);
  return std::string(id.begin(), id.end());
}

} // namespace

TEST_CASE_METHOD(attach_fixture, "SUB asks the broker for the other members' channels",
                 "[session][attach]") {
  subscribe();
  CHECK(cl_subs == 1);
}

TEST_CASE_METHOD(attach_fixture,
                 "RDY 1 over three channels: all messages arrive, never two in flight",
                 "[session][attach]") {
  subscribe();
  attach(remotes[0], "n2");
  attach(remotes[1], "n3");
  attach(remotes[1], "n3"); // again: nothing changes
  CHECK(session_st().channels.size() == 3);
  // 30 each: a channel stays busy longer than a slot's tenure, so slots
  // also move away from a channel with a message in flight.
  enqueue(local, 100, 30);
  enqueue(remotes[0], 200, 30);
  enqueue(remotes[1], 300, 30);
  send({cmd("RDY", {"1"})});
  auto seen = drain(1, 90);
  CHECK(seen.size() == 90);
  CHECK(errors.empty());
}

TEST_CASE_METHOD(attach_fixture,
                 "RDY 10 over three channels: never more than 10 in flight",
                 "[session][attach]") {
  subscribe();
  attach(remotes[0], "n2");
  attach(remotes[1], "n3");
  enqueue(local, 100, 20);
  enqueue(remotes[0], 200, 20);
  enqueue(remotes[1], 300, 20);
  send({cmd("RDY", {"10"})});
  auto first = take_ids();
  CHECK(first.size() == 10); // 4 + 3 + 3
  CHECK(only_consumer(local).rdy == 4);
  CHECK(only_consumer(remotes[0]).rdy == 3);
  CHECK(only_consumer(remotes[1]).rdy == 3);
  CHECK(session_st().rdy_ticking); // several channels: the activity tick
  fin(first);
  auto seen = drain(10, 50);
  CHECK(seen.size() == 50);
  CHECK(errors.empty());
}

TEST_CASE_METHOD(attach_fixture,
                 "an idle channel gives its RDY share to the busy ones and takes it back",
                 "[session][attach]") {
  subscribe();
  attach(remotes[0], "n2");
  attach(remotes[1], "n3");
  enqueue(remotes[0], 200, 300);
  enqueue(remotes[1], 300, 300);
  send({cmd("RDY", {"30"})});
  CHECK(only_consumer(local).rdy == 10);
  // The local channel delivers nothing: after a few ticks it keeps one slot
  // and the busy channels share the other 29, never more than 30 in flight.
  drain(30, 120, true);
  CHECK(only_consumer(local).rdy == 1);
  CHECK(only_consumer(remotes[0]).rdy + only_consumer(remotes[1]).rdy == 29);
  // A backlog on the local channel shows in its one slot: its share comes back.
  enqueue(local, 100, 300);
  auto seen = drain(30, 200);
  CHECK(seen.size() >= 200);
  CHECK(only_consumer(local).rdy == 10);
  CHECK(errors.empty());
}

TEST_CASE_METHOD(attach_fixture, "an attach rebalances RDY without exceeding it",
                 "[session][attach]") {
  subscribe();
  enqueue(local, 100, 10);
  enqueue(remotes[0], 200, 10);
  send({cmd("RDY", {"6"})});
  auto first = take_ids();
  CHECK(first.size() == 6);
  attach(remotes[0], "n2");
  CHECK(take_ids().empty()); // the local channel still holds all 6 slots
  CHECK(only_consumer(local).rdy == 3);
  fin({first[0], first[1], first[2]});
  auto second = take_ids();
  REQUIRE(second.size() == 3); // the freed slots went to the new channel
  for (auto& id : second)
    CHECK(id.substr(0, 13) == id_of(200).substr(0, 13));
  CHECK(in_flight == 6);
}

TEST_CASE_METHOD(attach_fixture,
                 "a remote channel going down is detached, the session goes on",
                 "[session][attach]") {
  subscribe();
  attach(remotes[0], "n2");
  enqueue(local, 100, 10);
  enqueue(remotes[0], 200, 10);
  send({cmd("RDY", {"4"})});
  auto ids = take_ids();
  REQUIRE(ids.size() == 4);
  std::vector<std::string> theirs;
  std::vector<std::string> ours;
  for (auto& id : ids)
    (state(remotes[0]).in_flight.find(*make_message_id(id)) ? theirs : ours)
        .push_back(id);
  REQUIRE(theirs.size() == 2);
  caf::anon_send_exit(remotes[0], caf::exit_reason::user_shutdown);
  sched.run();
  CHECK_FALSE(conn->closed);
  CHECK(session_st().channels.size() == 1);
  // All of RDY is the local channel's again: it fills the 2 freed slots.
  CHECK(only_consumer(local).rdy == 4);
  CHECK(take_ids().size() == 2);
  // The client acknowledging what the dead channel gave it gets no error:
  // the message comes back on its node; nothing reaches the local channel.
  send(
      {cmd("TOUCH", {theirs[0]}), cmd("FIN", {theirs[0]}), cmd("REQ", {theirs[1], "0"})});
  CHECK(take_ids().empty());
  CHECK(errors.empty());
  // Once acknowledged it is forgotten: the local channel answers again.
  send({cmd("FIN", {theirs[0]})});
  CHECK(take_ids().empty());
  REQUIRE(errors.size() == 1);
  CHECK(errors[0] == "E_FIN_FAILED FIN " + theirs[0] + " failed ID not in flight");
  fin(ours);
  CHECK(take_ids().size() == 2);
}

TEST_CASE_METHOD(attach_fixture,
                 "cl_detach drops a member's channel until it is attached again",
                 "[session][attach]") {
  subscribe();
  attach(remotes[0], "n2");
  attach(remotes[1], "n3");
  enqueue(remotes[0], 200, 10);
  send({cmd("RDY", {"3"})});
  auto ids = take_ids();
  REQUIRE(ids.size() == 1); // n2's share; the others have nothing
  REQUIRE(state(remotes[0]).in_flight.size() == 1);
  // n2 lost us (its channel may have dropped us already): detach its channel.
  caf::anon_send(session, cl_detach_atom::value, std::string{"n2"});
  sched.run();
  CHECK(session_st().channels.size() == 2);
  CHECK(state(remotes[0]).consumers.empty()); // unsubscribed: it requeued
  CHECK(state(remotes[0]).in_flight.size() == 0);
  CHECK(state(remotes[1]).consumers.size() == 1); // n3 untouched
  // Its message is an orphan: FIN is dropped without an error.
  send({cmd("FIN", {ids[0]})});
  CHECK(errors.empty());
  CHECK(take_ids().empty());
  // Attached again (the directory's cl_attach): it subscribes and delivers.
  attach(remotes[0], "n2");
  CHECK(session_st().channels.size() == 3);
  REQUIRE(state(remotes[0]).consumers.size() == 1);
  auto again = take_ids();
  REQUIRE(again.size() == 1);
  auto id = *make_message_id(again[0]);
  CHECK(state(remotes[0]).in_flight.find(id));
  fin(again); // routed to n2's channel again
  CHECK(errors.empty());
  CHECK_FALSE(state(remotes[0]).in_flight.find(id));
}

TEST_CASE_METHOD(attach_fixture, "the local channel going down closes the connection",
                 "[session][attach]") {
  subscribe();
  attach(remotes[0], "n2");
  enqueue(remotes[0], 200, 1);
  send({cmd("RDY", {"2"})});
  CHECK(take_ids().size() == 1);
  caf::anon_send_exit(local, caf::exit_reason::user_shutdown);
  sched.run();
  CHECK(conn->closed);
  CHECK(state(remotes[0]).consumers.empty()); // left at once, its message requeued
  CHECK(state(remotes[0]).in_flight.size() == 0);
}

TEST_CASE_METHOD(attach_fixture, "FIN, REQ and TOUCH go to the channel that delivered",
                 "[session][attach]") {
  subscribe();
  attach(remotes[0], "n2");
  enqueue(local, 100, 2);
  enqueue(remotes[0], 200, 2);
  send({cmd("RDY", {"3"})}); // 2 + 1
  auto ids = take_ids();
  REQUIRE(ids.size() == 3);
  send({cmd("TOUCH", {id_of(200)}), cmd("REQ", {id_of(200), "0"}),
        cmd("FIN", {id_of(101)}), cmd("REQ", {id_of(100), "0"})});
  ids = take_ids(); // each channel's next one (their shares are free again)
  CHECK(std::set<std::string>(ids.begin(), ids.end()) ==
        std::set<std::string>{id_of(201), id_of(100)});
  CHECK(errors.empty()); // misrouted, the other channel would answer E_*_FAILED
  CHECK(state(remotes[0]).requeue_count == 1);
  CHECK(state(local).requeue_count == 1);
  CHECK(only_consumer(local).finish_count == 1);
  send({cmd("FIN", {id_of(201)})});
  CHECK(only_consumer(remotes[0]).finish_count == 1);
  // An ID in flight nowhere: the local channel's exact error, and its count
  // of messages in flight (100, requeued and delivered again) stays right.
  auto& local_entry = session_st().channels.all().front();
  REQUIRE(local_entry.in_flight == 1);
  auto unknown = id_of(999);
  send({cmd("FIN", {unknown}), cmd("REQ", {unknown, "0"}), cmd("TOUCH", {unknown})});
  take_ids();
  CHECK(local_entry.in_flight == 1);
  CHECK(errors == std::vector<std::string>{
                      "E_FIN_FAILED FIN " + unknown + " failed ID not in flight",
                      "E_REQ_FAILED REQ " + unknown + " failed ID not in flight",
                      "E_TOUCH_FAILED TOUCH " + unknown + " failed ID not in flight"});
  CHECK_FALSE(conn->closed);
}

TEST_CASE_METHOD(attach_fixture, "an ID in flight from another channel is requeued",
                 "[session][attach]") {
  subscribe();
  attach(remotes[0], "n2");
  enqueue(local, 7, 1);
  enqueue(remotes[0], 7, 1); // the same ID on another node
  send({cmd("RDY", {"2"})});
  auto ids = take_ids();
  CHECK(ids == std::vector<std::string>{id_of(7)});
  CHECK(state(local).requeue_count + state(remotes[0]).requeue_count == 1);
  fin(ids);
  advance(1s); // the requeued copy comes back, nothing lost
  CHECK(take_ids() == std::vector<std::string>{id_of(7)});
  CHECK(errors.empty());
}

TEST_CASE_METHOD(
    attach_fixture,
    "frames from another node reach the client as they are, a duplicate ID skipped",
    "[session][attach]") {
  subscribe();
  std::vector<delivery> theirs{{make_test_message(8, "m8"), 1},
                               {make_test_message(7, "other seven"), 3},
                               {make_test_message(9, "m9"), 2}};
  remote_log log{session, {}, {}};
  auto remote = sys.spawn(frames_channel, &log, pack_frames(theirs));
  to_stop.push_back(remote);
  attach(remote, "n2");
  enqueue(local, 7, 1);
  send({cmd("RDY", {"5"})});
  CHECK(take_ids() == std::vector<std::string>{id_of(7)});
  caf::anon_send(remote, 1);
  sched.run();
  std::string expected;
  append_message_frame(expected, view_of(data_of(theirs[0].msg), 1));
  append_message_frame(expected, view_of(data_of(theirs[2].msg), 2));
  CHECK(conn->written == expected); // 7 is in flight from the local channel
  CHECK(log.requeued == std::vector<message_id>{encode_id(7)});
  conn->written.clear();
  in_flight += 2;
  fin({id_of(8), id_of(7)});
  CHECK(log.finished == std::vector<message_id>{encode_id(8)});
  CHECK(only_consumer(local).finish_count == 1);
  CHECK(errors.empty());
}

TEST_CASE_METHOD(attach_fixture,
                 "CLS sends RDY 0 everywhere, closing unsubscribes everywhere",
                 "[session][attach]") {
  subscribe();
  attach(remotes[0], "n2");
  attach(remotes[1], "n3");
  enqueue(remotes[1], 300, 3);
  send({cmd("RDY", {"3"})});
  CHECK(take_ids().size() == 1);
  send({cmd("CLS", {})});
  for (auto* ch : {&local, &remotes[0], &remotes[1]})
    CHECK(only_consumer(*ch).rdy == 0);
  caf::anon_send(session, conn_closed_atom::value);
  sched.run();
  for (auto* ch : {&local, &remotes[0], &remotes[1]})
    CHECK(state(*ch).consumers.empty());
  CHECK(state(remotes[1]).in_flight.size() == 0); // requeued at once
}

TEST_CASE_METHOD(attach_fixture, "one channel: no ID map, no rotation timer",
                 "[session][attach]") {
  subscribe();
  enqueue(local, 100, 3);
  send({cmd("RDY", {"1"})});
  CHECK(take_ids().size() == 1);
  CHECK(session_st().channels.mapped() == 0);
  CHECK_FALSE(session_st().rdy_ticking);
  attach(remotes[0], "n2");
  CHECK(session_st().rdy_ticking); // RDY 1 < 2 channels: slots rotate
}

TEST_CASE_METHOD(attach_fixture, "write credit is granted back to every channel",
                 "[session][attach]") {
  subscribe();
  attach(remotes[0], "n2");
  // Bodies of 100 KB: three exhaust a channel's 256 KB window.
  std::vector<message_ref> big_local;
  std::vector<message_ref> big_remote;
  for (uint64_t i = 0; i < 6; ++i) {
    big_local.push_back(make_test_message(100 + i, std::string(100 * 1024, 'l')));
    big_remote.push_back(make_test_message(200 + i, std::string(100 * 1024, 'r')));
  }
  caf::anon_send(local, enqueue_atom::value, big_local, caf::timespan{0});
  caf::anon_send(remotes[0], enqueue_atom::value, big_remote, caf::timespan{0});
  send({cmd("RDY", {"100"})});
  auto ids = take_ids();
  CHECK(ids.size() == 6); // 3 each, then both are out of credit
  CHECK_FALSE(only_consumer(local).writable());
  CHECK_FALSE(only_consumer(remotes[0]).writable());
  // The socket drained: both channels get room back, and deliver again.
  caf::anon_send(session, written_atom::value, session_st().flow.sent);
  sched.run();
  ids = take_ids();
  REQUIRE(ids.size() == 6);
  size_t from_local = 0;
  for (auto& id : ids)
    from_local += state(local).in_flight.find(*make_message_id(id)) != nullptr;
  CHECK(from_local == 3);
}

} // namespace nsq::test
