// The V1 TCP protocol against the real binary: reference §17.1, §17.2 and
// the faults of §16 (bounded lines and bodies, never a crash).

#include "e2e/http_client.hpp"
#include "lookupd_e2e/lookup_client.hpp"
#include "lookupd_e2e/lookupd_process.hpp"

#include <unistd.h>

#include <climits>
#include <thread>

using namespace lookupd_e2e;

namespace {

std::string hostname() {
  char name[HOST_NAME_MAX + 1] = {};
  ::gethostname(name, sizeof name - 1);
  return name;
}

std::string ok_frame() {
  return std::string("\0\0\0\x02OK", 6);
}

std::string get_body(uint16_t port, const std::string& target) {
  e2e::http_client c(port);
  return c.request("GET", target).body;
}

} // namespace

TEST_CASE("registration session of reference 17.1", "[lookupd_e2e][tcp]") {
  lookupd_process d;
  lookup_client c(d.tcp_port());
  REQUIRE(c.send("  V1PING\n"));
  CHECK(c.raw_frame() == ok_frame());
  std::string body =
      R"({"broadcast_address": "fake1.example", "hostname": "fakehost", "http_port": 44999, "tcp_port": 44998, "version": "1.3.0"})";
  REQUIRE(body.size() == 0x79);
  REQUIRE(c.send(identify(body)));
  auto h = hostname();
  CHECK(c.frame() == R"({"broadcast_address":")" + h + R"(","hostname":")" + h +
                         R"(","http_port":)" + std::to_string(d.http_port()) +
                         R"(,"tcp_port":)" + std::to_string(d.tcp_port()) +
                         R"(,"version":"1.3.0"})");
  for (auto* line : {"REGISTER X c1\n", "REGISTER X c2\n", "REGISTER t3 c3 extra\n",
                     "UNREGISTER X\n", "UNREGISTER never ch\n"}) {
    INFO(line);
    REQUIRE(c.send(line));
    CHECK(c.raw_frame() == ok_frame());
  }
  CHECK(get_body(d.http_port(), "/lookup?topic=X") ==
        R"({"channels":["c1","c2"],"producers":[]})");
  CHECK(get_body(d.http_port(), "/lookup?topic=t3").find("fake1.example") !=
        std::string::npos);
  REQUIRE(c.send(identify(body)));
  auto again = c.raw_frame();
  CHECK(again == std::string("\0\0\0\x1f", 4) + "E_INVALID cannot IDENTIFY again");
  CHECK(c.closed_by_server());
  // The fatal error dropped this connection's registrations, not the keys.
  CHECK(get_body(d.http_port(), "/lookup?topic=t3") ==
        R"({"channels":["c3"],"producers":[]})");
  CHECK(get_body(d.http_port(), "/nodes") == R"({"producers":[]})");
}

TEST_CASE("pipelined commands get their answers in order", "[lookupd_e2e][tcp]") {
  lookupd_process d;
  lookup_client c(d.tcp_port());
  REQUIRE(
      c.send("  V1" + identify(nsqd_body()) + "REGISTER t c\nPING\nUNREGISTER t c\n"));
  CHECK(c.frame()->find("\"version\":\"1.3.0\"") != std::string::npos);
  CHECK(c.frame() == "OK");
  CHECK(c.frame() == "OK");
  CHECK(c.frame() == "OK");
}

TEST_CASE("error responses of reference 17.2, each followed by close",
          "[lookupd_e2e][tcp]") {
  lookupd_process d;
  struct row {
    std::string input;
    std::string answer;
  };
  auto ident = [](const std::string& body) { return "  V1" + identify(body); };
  auto named = [&](const std::string& line) { return ident(nsqd_body()) + line; };
  const std::vector<row> rows = {
      {"  V2", "E_BAD_PROTOCOL"},
      {"XXXX", "E_BAD_PROTOCOL"},
      {"  V1REGISTER foo\n", "E_INVALID client must IDENTIFY"},
      {"  V1FOO bar\n", "E_INVALID invalid command FOO"},
      {"  V1\n", "E_INVALID invalid command "},
      {"  V1ping\n", "E_INVALID invalid command ping"},
      {ident(R"({"http_port":1})"), "E_BAD_BODY IDENTIFY missing fields"},
      {ident("{not json"), "E_BAD_BODY IDENTIFY failed to decode JSON body"},
      {named("REGISTER\n"), "E_INVALID REGISTER insufficient number of params"},
      {named("UNREGISTER\n"), "E_INVALID UNREGISTER insufficient number of params"},
      {named("REGISTER bad!topic\n"),
       "E_BAD_TOPIC REGISTER topic name 'bad!topic' is not valid"},
      {named("REGISTER okt bad!chan\n"),
       "E_BAD_CHANNEL REGISTER channel name 'bad!chan' is not valid"},
      {named("UNREGISTER bad!topic\n"),
       "E_BAD_TOPIC UNREGISTER topic name 'bad!topic' is not valid"},
      {named("UNREGISTER okt bad!chan\n"),
       "E_BAD_CHANNEL UNREGISTER channel name 'bad!chan' is not valid"},
      {"  V1IDENTIFY\n" + size_bytes(-1), "E_BAD_BODY IDENTIFY failed to read body"},
      {"  V1IDENTIFY\n" + size_bytes(INT32_MAX),
       "E_BAD_BODY IDENTIFY failed to read body"},
  };
  for (auto& r : rows) {
    INFO(r.answer);
    lookup_client c(d.tcp_port());
    REQUIRE(c.send(r.input));
    std::optional<std::string> got = c.frame();
    if (r.input.find("IDENTIFY\n") != std::string::npos && got &&
        got->rfind("E_", 0) != 0)
      got = c.frame(); // the IDENTIFY answer came first
    auto n = static_cast<uint32_t>(r.answer.size());
    CHECK(got == r.answer);
    CHECK(n == got.value_or("").size());
    CHECK(c.closed_by_server());
  }
  CHECK(d.running());
}

TEST_CASE("a half-closed client still gets the IDENTIFY read errors",
          "[lookupd_e2e][tcp]") {
  lookupd_process d;
  {
    lookup_client c(d.tcp_port());
    REQUIRE(c.send(std::string("  V1IDENTIFY\n\0\0", 15)));
    c.half_close();
    CHECK(c.raw_frame() ==
          std::string("\0\0\0\x2c", 4) + "E_BAD_BODY IDENTIFY failed to read body size");
    CHECK(c.closed_by_server());
  }
  {
    lookup_client c(d.tcp_port());
    REQUIRE(c.send("  V1IDENTIFY\n" + size_bytes(100) + "{}"));
    c.half_close();
    CHECK(c.raw_frame() ==
          std::string("\0\0\0\x27", 4) + "E_BAD_BODY IDENTIFY failed to read body");
  }
  {
    lookup_client c(d.tcp_port()); // a command without its newline is dropped
    REQUIRE(c.send("  V1PING"));
    c.half_close();
    CHECK_FALSE(c.frame(std::chrono::milliseconds(500)));
  }
  {
    lookup_client c(d.tcp_port()); // PING then EOF: answered, then closed
    REQUIRE(c.send("  V1PING\n"));
    c.half_close();
    CHECK(c.frame() == "OK");
    CHECK(c.closed_by_server());
  }
}

TEST_CASE("a 10 MB line and garbage are refused, the server lives on",
          "[lookupd_e2e][tcp]") {
  lookupd_process d;
  {
    lookup_client c(d.tcp_port());
    REQUIRE(c.send("  V1REGISTER "));
    std::string chunk(1 << 20, 'a');
    for (int i = 0; i < 10; ++i)
      if (!c.send(chunk))
        break; // closed early: fine
    CHECK(c.frame() == "E_INVALID line too long");
    CHECK(c.closed_by_server());
  }
  {
    lookup_client c(d.tcp_port());
    std::string garbage;
    for (int i = 0; i < 4096; ++i)
      garbage.push_back(static_cast<char>((i * 7919) & 0xff));
    c.send("  V1" + garbage);
    auto f = c.frame();
    REQUIRE(f);
    CHECK(f->rfind("E_", 0) == 0);
    CHECK(c.closed_by_server());
  }
  {
    lookup_client c(d.tcp_port()); // an endless IDENTIFY body is bounded too
    REQUIRE(c.send("  V1IDENTIFY\n" + size_bytes(10 * 1024 * 1024)));
    CHECK(c.frame() == "E_BAD_BODY IDENTIFY failed to read body");
  }
  lookup_client ok(d.tcp_port());
  REQUIRE(ok.send("  V1PING\n"));
  CHECK(ok.frame() == "OK");
}

TEST_CASE("a disconnect removes that peer's registrations only", "[lookupd_e2e][tcp]") {
  lookupd_process d;
  lookup_client a(d.tcp_port());
  lookup_client b(d.tcp_port());
  REQUIRE(a.send("  V1" + identify(nsqd_body(1)) + "REGISTER orders billing\n"));
  REQUIRE(b.send("  V1" + identify(nsqd_body(2)) + "REGISTER orders\n"));
  for (auto* c : {&a, &b}) {
    REQUIRE(c->frame());
    REQUIRE(c->frame() == "OK");
  }
  auto nodes = get_body(d.http_port(), "/nodes");
  CHECK(nodes.find(a.peer_id()) != std::string::npos);
  CHECK(nodes.find(b.peer_id()) != std::string::npos);
  a.close();
  std::string lookup;
  for (int i = 0; i < 100; ++i) { // the close reaches the registry asynchronously
    lookup = get_body(d.http_port(), "/lookup?topic=orders");
    if (lookup.find(a.peer_id()) == std::string::npos)
      break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(lookup.find(a.peer_id()) == std::string::npos);
  CHECK(lookup.find(b.peer_id()) != std::string::npos);
  CHECK(lookup.find("\"channels\":[\"billing\"]") != std::string::npos);
  CHECK(get_body(d.http_port(), "/debug").find(a.peer_id()) == std::string::npos);
}

TEST_CASE("a client that pipelines faster than it reads gets every answer",
          "[lookupd_e2e][tcp]") {
  lookupd_process d;
  lookup_client c(d.tcp_port());
  constexpr int count = 200000;
  std::string pings = "  V1";
  for (int i = 0; i < count; ++i)
    pings += "PING\n";
  // The server stops reading while its answers pile up; send from a thread.
  std::thread sender([&] { c.send(pings); });
  int answered = 0;
  while (answered < count && c.frame() == "OK")
    ++answered;
  sender.join();
  CHECK(answered == count);
  CHECK(d.running());
}
