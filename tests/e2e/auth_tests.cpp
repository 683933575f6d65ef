// AUTH against a real HTTP auth server started by the test (reference §5.2,
// §9, §20.6): the request nsqd sends, every error text, regex permissions,
// the lazy re-check after the ttl, and that a slow auth server stalls only
// the session that asked. How nsqd reaches the auth server (TLS, https, URL
// paths) is in auth_transport_tests.cpp.
#include "e2e/auth_grants.hpp"
#include "e2e/auth_server.hpp"
#include "e2e/http_client.hpp"
#include "e2e/nsqd_process.hpp"
#include "e2e/raw_client.hpp"

#include <fstream>
#include <thread>

using namespace e2e;

namespace {

struct fixture {
  auth_server server;
  nsqd_process nsqd;
  fixture(std::vector<std::string> extra = {})
      : nsqd(flags(server.address(), std::move(extra))) {
    server.answer("alice", {200, alice});
    server.answer("bob", {200, bob(60)});
  }
  static std::vector<std::string> flags(const std::string& addr,
                                        std::vector<std::string> extra) {
    extra.push_back("--auth-http-address=" + addr);
    return extra;
  }
};

} // namespace

TEST_CASE("auth: IDENTIFY reports auth_required", "[auth]") {
  fixture fx;
  raw_client c{fx.nsqd.port()};
  c.send(identify(R"({"feature_negotiation":true})"));
  frame f = c.read_non_heartbeat();
  CHECK(f.data.find(R"("auth_required":true)") != std::string::npos);
}

TEST_CASE("auth: the request nsqd sends and the §20.6 transcript", "[auth]") {
  fixture fx;
  auto c = authed(fx.nsqd.port(), "alice", alice_reply);
  auto reqs = fx.server.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].rfind("GET /auth?common_name=&remote_ip=127.0.0.1&secret=alice&tls=false "
                      "HTTP/1.1\r\n",
                      0) == 0);
  CHECK(reqs[0].find("\r\nAccept: application/vnd.nsq; version=1.0") !=
        std::string::npos);
  CHECK(reqs[0].find("\r\nUser-Agent: Go-http-client/1.1") != std::string::npos);
  CHECK(reqs[0].find("\r\nHost: " + fx.server.address()) != std::string::npos);
  c.send("SUB authx ch\n");
  expect_ok(c);
  c.send(pub("authx", "m"));
  expect_fatal(c, R"(E_UNAUTHORIZED AUTH failed for PUB on "authx" "")");

  auto d = authed(fx.nsqd.port(), "alice", alice_reply);
  d.send("SUB authx other\n");
  expect_fatal(d, R"(E_UNAUTHORIZED AUTH failed for SUB on "authx" "other")");
  auto e = authed(fx.nsqd.port(), "alice", alice_reply);
  e.send("SUB xauth ch\n");
  expect_fatal(e, R"(E_UNAUTHORIZED AUTH failed for SUB on "xauth" "ch")");
}

TEST_CASE("auth: E_AUTH_FIRST before AUTH for SUB, PUB, MPUB, DPUB", "[auth]") {
  fixture fx;
  auto port = fx.nsqd.port();
  {
    raw_client c{port};
    c.send("SUB t c\n");
    expect_fatal(c, "E_AUTH_FIRST AUTH required before SUB");
  }
  {
    raw_client c{port};
    c.send(pub("t", "m"));
    expect_fatal(c, "E_AUTH_FIRST AUTH required before PUB");
  }
  {
    raw_client c{port};
    c.send(dpub("t", 10, "m"));
    expect_fatal(c, "E_AUTH_FIRST AUTH required before DPUB");
  }
  {
    raw_client c{port};
    c.send(mpub("t", {"a", "b"}));
    expect_fatal(c, "E_AUTH_FIRST AUTH required before MPUB");
  }
  {
    // nsqd answers MPUB's auth from the line, without waiting for the body.
    raw_client c{port};
    c.send("MPUB t\n");
    expect_fatal(c, "E_AUTH_FIRST AUTH required before MPUB");
  }
  {
    // Line checks come first, body checks of PUB before auth.
    raw_client c{port};
    c.send("MPUB bad!topic\n");
    expect_fatal(c,
                 R"(E_BAD_TOPIC E_BAD_TOPIC MPUB topic name "bad!topic" is not valid)");
    raw_client d{port};
    d.send("PUB t\n" + be32(0));
    expect_fatal(d, "E_BAD_MESSAGE PUB invalid message body size 0");
  }
  CHECK(fx.server.request_count() == 0);
}

TEST_CASE("auth: AUTH errors", "[auth]") {
  fixture fx({"--max-body-size=100"});
  auto port = fx.nsqd.port();
  fx.server.answer("down", {500, "oops"});
  fx.server.answer("badttl", {200, R"({"ttl":0,"authorizations":[]})"});
  fx.server.answer("badperm", {200, R"({"ttl":5,"authorizations":[{"topic":".*",)"
                                    R"("channels":[".*"],"permissions":["admin"]}]})"});
  fx.server.answer("badre", {200, R"({"ttl":5,"authorizations":[{"topic":"(",)"
                                  R"("channels":[".*"],"permissions":["publish"]}]})"});
  fx.server.answer("notjson", {200, "hello"});
  fx.server.answer("none", {200, R"({"ttl":5,"identity":"n","authorizations":[]})"});
  struct error_case {
    std::string bytes;
    std::string error;
  };
  std::vector<error_case> cases = {
      {auth("down"), "E_AUTH_FAILED AUTH failed"},
      {auth("badttl"), "E_AUTH_FAILED AUTH failed"},
      {auth("badperm"), "E_AUTH_FAILED AUTH failed"},
      {auth("badre"), "E_AUTH_FAILED AUTH failed"},
      {auth("notjson"), "E_AUTH_FAILED AUTH failed"},
      {auth("unknown"), "E_AUTH_FAILED AUTH failed"}, // 404 from the server
      {auth("none"), "E_UNAUTHORIZED AUTH no authorizations found"},
      {"AUTH x\n" + be32(1) + "s", "E_INVALID AUTH invalid number of parameters"},
      {"AUTH\n" + be32(0), "E_BAD_BODY AUTH invalid body size 0"},
      {"AUTH\n" + be32(101), "E_BAD_BODY AUTH body too big 101 > 100"},
      {auth("alice") + auth("alice"), "E_INVALID AUTH already set"},
  };
  for (auto& ec : cases) {
    INFO("sending " << printable(ec.bytes));
    raw_client c{port};
    c.send(ec.bytes);
    if (ec.error == "E_INVALID AUTH already set") {
      frame f = c.read_non_heartbeat();
      CHECK(printable(f.raw) == printable(response_frame(alice_reply)));
    }
    expect_fatal(c, ec.error);
  }
  {
    raw_client c{port};
    c.send("AUTH\n" + be32(5) + "ab");
    c.shutdown_write();
    expect_fatal(c, "E_BAD_BODY AUTH failed to read body");
  }
  {
    auto c = authed(port, "alice", alice_reply);
    c.send("SUB authx ch\n");
    expect_ok(c);
    c.send(auth("alice"));
    expect_fatal(c, "E_INVALID cannot AUTH in current state");
  }
  CHECK(fx.nsqd.log_has("AUTH failed"));
}

TEST_CASE("auth: disabled without --auth-http-address", "[auth]") {
  nsqd_process nsqd;
  raw_client c{nsqd.port()};
  c.send(auth("x"));
  expect_fatal(c, "E_AUTH_DISABLED AUTH disabled");
  raw_client d{nsqd.port()};
  d.send(pub("t", "m")); // no auth needed
  expect_ok(d);
}

TEST_CASE("auth: granted publish and subscribe deliver, regex unanchored", "[auth]") {
  fixture fx;
  auto port = fx.nsqd.port();
  auto sub =
      authed(port, "bob", R"({"identity":"bob","identity_url":"","permission_count":2})");
  sub.send("SUB mypub2 c\n");
  expect_ok(sub);
  sub.send("RDY 10\n");
  auto p =
      authed(port, "bob", R"({"identity":"bob","identity_url":"","permission_count":2})");
  p.send(pub("mypub2", "one"));
  expect_ok(p);
  p.send(mpub("mypub2", {"two", "three"}));
  expect_ok(p);
  p.send(dpub("mypub2", 0, "four"));
  expect_ok(p);
  std::vector<std::string> got;
  for (int i = 0; i < 4; ++i)
    got.push_back(sub.read_message().body);
  CHECK(got == std::vector<std::string>{"one", "two", "three", "four"});
  // /stats shows who is authenticated.
  http_client h{fx.nsqd.http_port()};
  auto stats = h.request("GET", "/stats?format=json&topic=mypub2");
  CHECK(stats.body.find(R"("authed":true,"auth_identity":"bob",)") != std::string::npos);
  p.send(pub("other", "x"));
  expect_fatal(p, R"(E_UNAUTHORIZED AUTH failed for PUB on "other" "")");
}

TEST_CASE("auth: an expired grant is re-checked at the next command", "[auth]") {
  fixture fx;
  auto port = fx.nsqd.port();
  fx.server.answer("short", {200, bob(1)});
  fx.server.answer("short2", {200, bob(1)});
  auto c = authed(port, "short",
                  R"({"identity":"bob","identity_url":"","permission_count":2})");
  auto d = authed(port, "short2",
                  R"({"identity":"bob","identity_url":"","permission_count":2})");
  c.send(pub("pub", "1"));
  expect_ok(c);
  CHECK(fx.server.request_count() == 2);
  // Let the 1 s ttl pass (it runs from the AUTH answer, as in nsqd; a margin above it).
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  c.send(pub("pub", "2"));
  expect_ok(c); // re-queried, granted again
  CHECK(fx.server.request_count() == 3);
  c.send(pub("pub", "3"));
  expect_ok(c); // fresh grant: no new query
  CHECK(fx.server.request_count() == 3);

  // The server now refuses: the next check after expiry fails.
  fx.server.answer("short2", {403, "no"});
  d.send(pub("pub", "x"));
  expect_fatal(d, "E_AUTH_FAILED AUTH failed");
  CHECK(fx.server.request_count() == 4);

  // Or grants less: E_UNAUTHORIZED.
  fx.server.answer("short3", {200, bob(1)});
  auto e = authed(port, "short3",
                  R"({"identity":"bob","identity_url":"","permission_count":2})");
  fx.server.answer("short3", {200, alice});
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  e.send(mpub("pub", {"a"}));
  expect_fatal(e, R"(E_UNAUTHORIZED AUTH failed for MPUB on "pub" "")");
}

TEST_CASE("auth: a slow auth server stalls only the asking session", "[auth]") {
  fixture fx({"--http-client-request-timeout=30s"});
  auto port = fx.nsqd.port();
  // Held until release(): no timing involved.
  fx.server.answer("slow", {200, bob(60), std::chrono::milliseconds(20000)});
  raw_client slow{port};
  slow.send(auth("slow"));
  slow.send(pub("pub", "after-auth")); // waits behind the pending AUTH
  auto fast =
      authed(port, "bob", R"({"identity":"bob","identity_url":"","permission_count":2})");
  fast.send(pub("pub", "fast"));
  expect_ok(fast);
  // The fast session finished while the slow one still waits for its server.
  frame f;
  CHECK(slow.try_read(f, std::chrono::milliseconds(0)) == read_status::timeout);
  fx.server.release();
  f = slow.read_non_heartbeat(10s);
  CHECK(printable(f.raw) ==
        printable(response_frame(
            R"({"identity":"bob","identity_url":"","permission_count":2})")));
  expect_ok(slow);
}

namespace {

/// The `Threads:` line of /proc/<pid>/status (0 when unreadable).
int thread_count(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("Threads:", 0) == 0)
      return std::stoi(line.substr(8));
  return 0;
}

} // namespace

TEST_CASE("auth: 200 concurrent AUTHs against a slow server keep the threads bounded",
          "[auth]") {
  // Before, every AUTH query ran in a detached actor (one OS thread each):
  // 200 pending queries meant ~200 more threads. Now they are sockets on the
  // io thread.
  fixture fx({"--http-client-request-timeout=30s", "--scheduler-threads=2"});
  auto port = fx.nsqd.port();
  fx.server.answer("slow", {200, bob(60), std::chrono::milliseconds(20000)});
  int idle = thread_count(fx.nsqd.pid());
  constexpr size_t n = 200;
  std::vector<raw_client> clients;
  clients.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    clients.emplace_back(port);
    clients.back().send(auth("slow"));
  }
  REQUIRE(fx.server.wait_for_requests(n, 20s));
  REQUIRE(fx.server.request_count() == n); // every query is pending at the server
  int busy = thread_count(fx.nsqd.pid());
  INFO("threads idle " << idle << ", with " << n << " pending AUTHs " << busy);
  // At most: 2 scheduler threads, CAF's clock and multiplexer, main, the io
  // thread, the log writer, the ID lease, the disk I/O pool (up to 8, started
  // on first use) and Asio's resolver thread — not one per query (was ~408).
  CHECK(busy <= 24);
  fx.server.release();
  for (auto& c : clients) {
    frame f = c.read_non_heartbeat(20s);
    CHECK(printable(f.raw) ==
          printable(response_frame(
              R"({"identity":"bob","identity_url":"","permission_count":2})")));
  }
}

TEST_CASE("auth: a query pending at a slow auth server does not hold up SIGTERM",
          "[auth]") {
  // Shutdown fails the GETs in flight (nsqd does not wait for them); without
  // that the session waits for the answer or the request timeout (30 s here).
  fixture fx({"--http-client-request-timeout=30s"});
  fx.server.answer("slow", {200, bob(60), std::chrono::milliseconds(20000)});
  raw_client c{fx.nsqd.port()};
  c.send(auth("slow"));
  REQUIRE(fx.server.wait_for_requests(1, 10s));
  REQUIRE(fx.server.request_count() == 1);
  auto start = std::chrono::steady_clock::now();
  CHECK(fx.nsqd.stop(std::chrono::seconds(10)) == 0);
  CHECK(std::chrono::steady_clock::now() - start < 3s);
  fx.server.release();
}

TEST_CASE("auth: request timeout and an unreachable first server", "[auth]") {
  auth_server server;
  server.answer("hang", {200, bob(60), std::chrono::milliseconds(5000)});
  server.answer("bob", {200, bob(60)});
  // A port nobody listens on: bind one, close it.
  std::string dead;
  {
    auth_server gone;
    dead = gone.address();
  }
  nsqd_process nsqd({"--auth-http-address=" + dead,
                     "--auth-http-address=" + server.address(),
                     "--http-client-request-timeout=300ms"});
  // Whichever server is tried first, the live one answers.
  for (int i = 0; i < 4; ++i)
    authed(nsqd.port(), "bob",
           R"({"identity":"bob","identity_url":"","permission_count":2})");
  raw_client c{nsqd.port()};
  c.send(auth("hang"));
  expect_fatal(c, "E_AUTH_FAILED AUTH failed");
}
