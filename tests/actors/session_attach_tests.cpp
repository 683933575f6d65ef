// A session attached to several channel actors: SUB asks for the other
// members' channels, RDY split and the in-flight bound, slot rotation,
// detach on down, CLS and leaving, write credit (attach_fixture.hpp).

#include "attach_fixture.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

namespace nsq::test {

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
