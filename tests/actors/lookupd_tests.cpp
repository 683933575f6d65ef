// The lookupd coordinator and peer actors under the deterministic scheduler,
// with a recording transport instead of sockets: the test plays the lookupd
// by answering each recorded operation.
#include "actors/lookupd_coordinator.hpp"
#include "actors/lookupd_messages.hpp"
#include "tests/actors/fixture.hpp"

#include <catch2/catch.hpp>

#include <algorithm>

using namespace nsq;
using namespace nsq::test;
using namespace std::chrono_literals;
using namespace std::string_literals;

namespace {

/// One operation a peer asked of its transport.
struct io_op {
  std::string kind; ///< open, exchange, close
  std::string bytes;
  uint64_t generation = 0;
};

struct recording_transport : lookupd_transport {
  std::shared_ptr<std::vector<io_op>> ops;
  explicit recording_transport(std::shared_ptr<std::vector<io_op>> o)
      : ops(std::move(o)) {}
  void open(const std::string& address, uint64_t gen) override {
    ops->push_back({"open", address, gen});
  }
  void exchange(std::string bytes, uint64_t gen) override {
    ops->push_back({"exchange", std::move(bytes), gen});
  }
  void close() override { ops->push_back({"close", {}, 0}); }
};

const std::string identify_answer =
    R"({"broadcast_address":"lk.example","hostname":"lk","http_port":4161,"tcp_port":4160,"version":"1.3.0"})";

struct lookupd_fixture : actor_fixture {
  std::shared_ptr<std::vector<io_op>> ops = std::make_shared<std::vector<io_op>>();
  caf::actor peer; ///< the (single) peer, once spawned
  caf::actor coordinator;

  explicit lookupd_fixture(std::vector<std::string> addresses = {"lk:4160"}) {
    lookupd_coordinator_config cfg;
    cfg.addresses = std::move(addresses);
    cfg.transport = [this](caf::actor p, int64_t) {
      peer = p;
      return std::make_shared<recording_transport>(ops);
    };
    coordinator = spawn_lookupd_coordinator(sys, std::move(cfg));
    sched.run();
  }

  ~lookupd_fixture() {
    caf::anon_send_exit(coordinator, caf::exit_reason::user_shutdown);
    sched.run();
  }

  void start() {
    caf::anon_send(coordinator, lk_start_atom::value, "bcast"s, "host"s, int64_t{4151},
                   int64_t{4150});
    sched.run();
  }

  void notify(lookup_op op, const std::string& t, const std::string& c = {}) {
    caf::anon_send(coordinator, lk_cmd_atom::value, lookup_command{op, t, c});
    sched.run();
  }

  /// Answers the last operation.
  void answer(bool ok, const std::string& data = "OK") {
    REQUIRE_FALSE(ops->empty());
    caf::anon_send(peer, lk_io_atom::value, ops->back().generation, ok, data);
    sched.run();
  }

  /// The bytes of every exchange so far.
  std::vector<std::string> exchanged() const {
    std::vector<std::string> out;
    for (auto& op : *ops)
      if (op.kind == "exchange")
        out.push_back(op.bytes);
    return out;
  }

  /// Dials and identifies (answering both).
  void connect() {
    REQUIRE(ops->back().kind == "open");
    answer(true, "");
    REQUIRE(ops->back().bytes.rfind("  V1IDENTIFY\n", 0) == 0);
    answer(true, identify_answer);
  }

  std::vector<std::string> ask_channels(const std::string& topic) {
    caf::scoped_actor self{sys};
    std::vector<std::string> out{"<none>"};
    auto h = self->request(coordinator, caf::infinite, lk_chans_atom::value, topic);
    sched.run();
    h.receive([&](std::vector<std::string>& v) { out = std::move(v); },
              [&](caf::error&) {});
    return out;
  }
};

} // namespace

TEST_CASE_METHOD(lookupd_fixture,
                 "lookupd peer dials at start: magic, IDENTIFY, then idle", "[lookupd]") {
  CHECK(ops->empty());                   // nothing before the listeners are bound
  notify(lookup_op::register_, "early"); // a topic restored from nsqd.dat
  start();
  REQUIRE(ops->size() == 1);
  CHECK(ops->back().kind == "open");
  CHECK(ops->back().bytes == "lk:4160");
  answer(true, "");
  auto body =
      R"({"broadcast_address":"bcast","hostname":"host","http_port":4151,"tcp_port":4150,"version":"1.3.0"})"s;
  CHECK(ops->back().bytes == "  V1IDENTIFY\n\0\0\0"s + char(body.size()) + body);
  answer(true, identify_answer);
  CHECK(exchanged().back() == "REGISTER early\n"); // the set after IDENTIFY
  answer(true);
  CHECK(exchanged().back() == "REGISTER early\n"); // then the queued notice
  CHECK(exchanged().size() == 3);
  answer(true);
  auto n = ops->size();
  sched.run();
  CHECK(ops->size() == n); // connect-only: no command follows
}

TEST_CASE_METHOD(lookupd_fixture, "lookupd notifications go out one at a time, in order",
                 "[lookupd]") {
  start();
  connect();
  notify(lookup_op::register_, "t");
  notify(lookup_op::register_, "t", "c");
  notify(lookup_op::unregister, "t", "c");
  notify(lookup_op::unregister, "t");
  CHECK(exchanged().back() == "REGISTER t\n"); // the rest wait for its answer
  answer(true);
  CHECK(exchanged().back() == "REGISTER t c\n");
  answer(true);
  CHECK(exchanged().back() == "UNREGISTER t c\n");
  answer(true);
  CHECK(exchanged().back() == "UNREGISTER t\n");
  answer(true);
  CHECK(exchanged().size() == 5);
}

TEST_CASE_METHOD(lookupd_fixture, "lookupd PING every 15 s", "[lookupd]") {
  start();
  connect();
  advance(14s);
  CHECK(exchanged().size() == 1);
  advance(1s);
  CHECK(exchanged().back() == "PING\n");
  answer(true);
  advance(15s);
  CHECK(exchanged().size() == 3);
  CHECK(exchanged().back() == "PING\n");
}

TEST_CASE_METHOD(
    lookupd_fixture,
    "lookupd reconnect re-registers everything, then sends the command again",
    "[lookupd]") {
  start();
  connect();
  notify(lookup_op::register_, "a");
  answer(true);
  notify(lookup_op::register_, "a", "ca");
  answer(true);
  notify(lookup_op::register_, "b");
  answer(false, "EOF"); // lookupd went away: the peer closes
  CHECK(ops->back().kind == "close");
  notify(lookup_op::register_, "c");
  REQUIRE(ops->back().kind == "open"); // lazily, on the next command
  connect();
  CHECK(exchanged().back() == "REGISTER a ca\n");
  answer(true);
  CHECK(exchanged().back() == "REGISTER b\n");
  answer(true);
  CHECK(exchanged().back() == "REGISTER c\n");
  answer(true);
  CHECK(exchanged().back() == "REGISTER c\n"); // nsqd's observed duplicate
  answer(true);
}

TEST_CASE_METHOD(lookupd_fixture, "lookupd back-off after a failed dial", "[lookupd]") {
  start();
  answer(false, "dial tcp lk:4160: connect: connection refused");
  notify(lookup_op::register_, "x"); // within 1 s: dropped, no dial
  CHECK(ops->back().kind == "open");
  CHECK(ops->size() == 1);
  advance(1s);
  notify(lookup_op::register_, "y");
  REQUIRE(ops->size() == 2);
  CHECK(ops->back().kind == "open");
  connect();
  CHECK(exchanged().back() == "REGISTER x\n"); // the set still has it
}

TEST_CASE_METHOD(lookupd_fixture,
                 "lookupd PING dials on every tick, whatever the back-off has grown to",
                 "[lookupd]") {
  // nsqd reference §16.3: the next command, at most one 15 s PING later,
  // reconnects. A refused dial answers a moment after the tick, so a 15 s
  // back-off would otherwise skip every other PING (30 s to reconnect).
  auto dials = [&] {
    return std::count_if(ops->begin(), ops->end(),
                         [](const io_op& op) { return op.kind == "open"; });
  };
  const auto refused = "dial tcp lk:4160: connect: connection refused"s;
  start();
  answer(false, refused); // the lookupd is down: back-off 1 s
  advance(15s);
  for (int ping = 1; ping <= 7; ++ping) { // back-off 2, 4, 8, 15, 15 s...
    INFO("PING " << ping);
    REQUIRE(dials() == ping + 1);
    REQUIRE(ops->back().kind == "open");
    advance(10ms);
    answer(false, refused);
    advance(15s - 10ms);
  }
  REQUIRE(dials() == 9); // the lookupd is back
  connect();
  CHECK(exchanged().back() == "PING\n");
}

TEST_CASE_METHOD(lookupd_fixture, "lookupd IDENTIFY answered E_INVALID closes the peer",
                 "[lookupd]") {
  start();
  answer(true, "");
  answer(true, "E_INVALID");
  CHECK(ops->back().kind == "close");
}

TEST_CASE_METHOD(lookupd_fixture,
                 "lookupd channel discovery without a connected lookupd answers at once",
                 "[lookupd]") {
  start();
  CHECK(ask_channels("t").empty()); // configured, none connected (nsqd logs it)
}

TEST_CASE("lookupd address list: PUT replaces peers, GET returns it", "[lookupd]") {
  lookupd_fixture f{{"one:4160"}};
  f.start();
  caf::scoped_actor self{f.sys};
  std::vector<std::string> got;
  auto h = self->request(f.coordinator, caf::infinite, lk_addrs_atom::value,
                         std::vector<std::string>{"two:4160"});
  f.sched.run();
  h.receive([&](std::vector<std::string>& v) { got = v; }, [&](caf::error&) {});
  CHECK(got == std::vector<std::string>{"two:4160"});
  // The old peer closed; the new one dials.
  bool closed = false;
  for (auto& op : *f.ops)
    closed |= op.kind == "close";
  CHECK(closed);
  CHECK(f.ops->back().kind == "open");
  CHECK(f.ops->back().bytes == "two:4160");
}
