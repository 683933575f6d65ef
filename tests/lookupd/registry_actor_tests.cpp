// lookup_registry and lookup_session under CAF's deterministic scheduler: a
// recording lookup_io instead of a socket, a hand-driven clock, no sleeps.

#include "actors/log.hpp"
#include "actors/lookupd/lookup_messages.hpp"
#include "actors/lookupd/lookup_registry.hpp"
#include "actors/lookupd/lookup_session.hpp"
#include "protocol/lookup_commands.hpp"
#include "protocol/lookup_http.hpp"

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>

#include <catch2/catch.hpp>

#include <memory>
#include <mutex>

using namespace nsq;

namespace {

struct recorder : lookup_io {
  std::vector<std::string> frames;
  bool closed = false;
  int resumes = 0;
  void write(std::string bytes) override { frames.push_back(bytes.substr(4)); }
  void close() override { closed = true; }
  void resume() override { ++resumes; }
};

struct fixture {
  static caf::actor_system_config& init(caf::actor_system_config& cfg) {
    add_lookup_message_types(cfg);
    set_log_level(log_level::warn); // keep the test output readable
    cfg.set("scheduler.policy", caf::atom("testing"));
    cfg.set("logger.file-verbosity", caf::atom("quiet"));
    return cfg;
  }
  caf::actor_system_config cfg;
  caf::actor_system sys;
  caf::scheduler::test_coordinator& sched;
  std::shared_ptr<int64_t> now = std::make_shared<int64_t>(1'000'000'000);
  caf::actor registry;
  std::shared_ptr<lookup_identity> me = std::make_shared<lookup_identity>();

  fixture()
      : sys(init(cfg)),
        sched(dynamic_cast<caf::scheduler::test_coordinator&>(sys.scheduler())) {
    lookup_liveness l{3'000'000'000LL, 45'000'000'000LL};
    auto clock = now;
    registry = spawn_lookup_registry(sys, l, [clock] { return *clock; });
    me->broadcast_address = "vm";
    me->hostname = "vm";
    me->http_port = 4161;
    me->tcp_port = 4160;
    sched.run();
  }
  ~fixture() {
    caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
    sched.clock().cancel_all();
    sched.run();
  }

  /// Asks the registry as the HTTP bridge would.
  std::string http(lookup_endpoint e, const std::string& query = "") {
    caf::scoped_actor self{sys};
    self->send(registry, lk_http_atom::value, static_cast<int32_t>(e), query);
    sched.run();
    std::string body;
    self->receive([&](const http_response& r) { body = r.body; });
    return body;
  }
};

const std::string identify_body =
    R"({"broadcast_address":"127.0.0.1","hostname":"h","http_port":4151,"tcp_port":4150,"version":"1.3.0"})";

} // namespace

TEST_CASE_METHOD(fixture, "session registers, registry answers, disconnect cleans up",
                 "[lookupd][actors]") {
  auto io = std::make_shared<recorder>();
  auto s = spawn_lookup_session(sys, io, registry, "127.0.0.1:5000", me);
  caf::anon_send(s, lk_cmd_atom::value, std::vector<std::string>{"PING"});
  caf::anon_send(s, lk_body_atom::value, identify_body);
  caf::anon_send(s, lk_cmd_atom::value,
                 std::vector<std::string>{"REGISTER", "orders", "c"});
  caf::anon_send(s, lk_done_atom::value);
  sched.run();
  REQUIRE(io->frames.size() == 3);
  CHECK(io->frames[0] == "OK");
  CHECK(io->frames[1] == lookup_identify_answer("vm", "vm", 4161, 4160));
  CHECK(io->frames[2] == "OK");
  CHECK(io->resumes == 1);
  CHECK(http(lookup_endpoint::lookup, "topic=orders").find("127.0.0.1:5000") !=
        std::string::npos);

  // Inactive after 3 s without PING; back after one.
  *now += 3'000'000'001LL;
  CHECK(http(lookup_endpoint::nodes) == R"({"producers":[]})");
  caf::anon_send(s, lk_cmd_atom::value, std::vector<std::string>{"PING"});
  sched.run();
  CHECK(http(lookup_endpoint::nodes).find("127.0.0.1:5000") != std::string::npos);

  caf::anon_send(s, lk_closed_atom::value);
  sched.run();
  CHECK(io->closed);
  CHECK(http(lookup_endpoint::lookup, "topic=orders") ==
        R"({"channels":["c"],"producers":[]})");
  CHECK(http(lookup_endpoint::debug) == "{}");
}

TEST_CASE_METHOD(fixture, "a fatal error closes and drops the registrations",
                 "[lookupd][actors]") {
  auto io = std::make_shared<recorder>();
  auto s = spawn_lookup_session(sys, io, registry, "127.0.0.1:5001", me);
  caf::anon_send(s, lk_body_atom::value, identify_body);
  caf::anon_send(s, lk_cmd_atom::value, std::vector<std::string>{"REGISTER", "t"});
  caf::anon_send(s, lk_cmd_atom::value, std::vector<std::string>{"REGISTER", "bad!"});
  caf::anon_send(s, lk_cmd_atom::value, std::vector<std::string>{"PING"}); // ignored
  sched.run();
  REQUIRE(io->frames.size() == 3);
  CHECK(io->frames[2] == "E_BAD_TOPIC REGISTER topic name 'bad!' is not valid");
  CHECK(io->closed);
  CHECK(http(lookup_endpoint::topics) == R"({"topics":["t"]})");
  CHECK(http(lookup_endpoint::lookup, "topic=t") == R"({"channels":[],"producers":[]})");
  caf::anon_send(s, lk_closed_atom::value);
  sched.run();
}

TEST_CASE_METHOD(fixture, "IDENTIFY again is fatal", "[lookupd][actors]") {
  auto io = std::make_shared<recorder>();
  auto s = spawn_lookup_session(sys, io, registry, "127.0.0.1:5002", me);
  caf::anon_send(s, lk_body_atom::value, identify_body);
  caf::anon_send(s, lk_again_atom::value);
  sched.run();
  REQUIRE(io->frames.size() == 2);
  CHECK(io->frames[1] == "E_INVALID cannot IDENTIFY again");
  CHECK(io->closed);
  CHECK(http(lookup_endpoint::nodes) == R"({"producers":[]})");
  caf::anon_send(s, lk_closed_atom::value);
  sched.run();
}
