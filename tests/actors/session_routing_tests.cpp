// A session attached to several channel actors routes each message ID:
// FIN, REQ and TOUCH go to the channel that delivered it, a duplicate ID from
// another channel is requeued, another node's frames pass through as they
// are; with one channel there is no ID map (attach_fixture.hpp).

#include "attach_fixture.hpp"

#include "actors/delivery_batch.hpp"
#include "actors/id_batch.hpp"
#include "protocol/message.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace nsq::test {
namespace {

/// What a channel on another node sends and gets, seen from the session:
/// deliveries arrive in their wire form (frames), FIN/REQ come back.
struct remote_log {
  caf::actor session;
  std::vector<message_id> finished;
  std::vector<message_id> requeued;
  const char* sent_buffer = nullptr; ///< where the last batch's frames were
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
        if (batch.set_frames(frames))
          throw std::runtime_error("frames_channel: malformed frames");
        log->sent_buffer = batch.frames().data();
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

} // namespace

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

TEST_CASE_METHOD(
    attach_fixture,
    "frames from another node go to the connection as one write of their own",
    "[session][attach]") {
  subscribe();
  std::vector<delivery> theirs{{make_test_message(8, "m8"), 1},
                               {make_test_message(9, "m9"), 2}};
  auto frames = pack_frames(theirs);
  remote_log log{session, {}, {}};
  auto remote = sys.spawn(frames_channel, &log, frames);
  to_stop.push_back(remote);
  attach(remote, "n2");
  send({cmd("RDY", {"5"})});
  conn->written.clear();
  conn->write_sizes.clear();
  conn->write_buffers.clear();
  caf::anon_send(remote, 1);
  sched.run();
  CHECK(conn->written == frames);
  CHECK(conn->write_sizes == std::vector<size_t>{frames.size()});
  // The very bytes the batch arrived in: moved along, never copied.
  CHECK(conn->write_buffers == std::vector<const char*>{log.sent_buffer});
  in_flight += 2;
  fin({id_of(9), id_of(8)});
  CHECK(log.finished == std::vector<message_id>{encode_id(9), encode_id(8)});
  CHECK(errors.empty());
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

} // namespace nsq::test
