// lookup_parser: the V1 framing of reference §2-§3 and the bounds of §16.

#include "protocol/lookup_parser.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

using namespace nsq;
using kind = lookup_event::kind;

namespace {

std::string size_bytes(int32_t n) {
  auto u = static_cast<uint32_t>(n);
  return {static_cast<char>(u >> 24), static_cast<char>(u >> 16),
          static_cast<char>(u >> 8), static_cast<char>(u)};
}

std::vector<lookup_event> feed(lookup_parser& p, const std::string& bytes) {
  std::vector<lookup_event> out;
  p.feed(bytes, out);
  return out;
}

} // namespace

TEST_CASE("bad magic is E_BAD_PROTOCOL, a short one says nothing", "[lookupd][parser]") {
  lookup_parser p;
  auto ev = feed(p, "  V2PING\n");
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].what == kind::fatal);
  CHECK(ev[0].error == "E_BAD_PROTOCOL");
  CHECK(p.done());

  lookup_parser q;
  CHECK(feed(q, "  V").empty());
  std::vector<lookup_event> out;
  q.finish(out);
  CHECK(out.empty());
}

TEST_CASE("command lines: trimming and single-space splitting", "[lookupd][parser]") {
  lookup_parser p;
  auto ev = feed(p, "  V1  PING  \r\nREGISTER  t4\nREGISTER t6\tc6\n\nPING");
  REQUIRE(ev.size() == 4);
  CHECK(ev[0].tokens == std::vector<std::string>{"PING"});
  CHECK(ev[1].tokens == std::vector<std::string>{"REGISTER", "", "t4"});
  CHECK(ev[2].tokens == std::vector<std::string>{"REGISTER", "t6\tc6"});
  CHECK(ev[3].tokens == std::vector<std::string>{""});
  std::vector<lookup_event> out;
  p.finish(out); // "PING" without a newline is never executed
  CHECK(out.empty());
}

TEST_CASE("Unicode spaces are trimmed like Go's strings.TrimSpace", "[lookupd][parser]") {
  CHECK(lookup_tokens("\xC2\xA0PING\xE3\x80\x80") == std::vector<std::string>{"PING"});
  CHECK(lookup_tokens("\xE2\x80\x80PING\xC2\x85") == std::vector<std::string>{"PING"});
}

TEST_CASE("IDENTIFY body arrives byte by byte", "[lookupd][parser]") {
  lookup_parser p;
  std::string body = R"({"a":1})";
  std::string all = "  V1IDENTIFY extra\n" +
                    size_bytes(static_cast<int32_t>(body.size())) + body + "PING\n";
  std::vector<lookup_event> ev;
  for (char c : all)
    p.feed(std::string(1, c), ev);
  REQUIRE(ev.size() == 2);
  CHECK(ev[0].what == kind::identify);
  CHECK(ev[0].body == body);
  CHECK(ev[1].tokens == std::vector<std::string>{"PING"});
}

TEST_CASE("a second IDENTIFY is refused before its body", "[lookupd][parser]") {
  lookup_parser p;
  auto ev = feed(p, "  V1IDENTIFY\n" + size_bytes(2) + "{}IDENTIFY\n");
  REQUIRE(ev.size() == 2);
  CHECK(ev[1].what == kind::identify_again);
  CHECK(p.done());
}

TEST_CASE("negative and huge IDENTIFY sizes fail without allocating",
          "[lookupd][parser]") {
  for (int32_t size : {-1, INT32_MIN, INT32_MAX, 1024 * 1024 + 1}) {
    lookup_parser p;
    auto ev = feed(p, "  V1IDENTIFY\n" + size_bytes(size));
    REQUIRE(ev.size() == 1);
    CHECK(ev[0].error == "E_BAD_BODY IDENTIFY failed to read body");
    CHECK(p.done());
  }
}

TEST_CASE("EOF inside IDENTIFY reports what could not be read", "[lookupd][parser]") {
  lookup_parser p;
  CHECK(feed(p, std::string("  V1IDENTIFY\n\0\0", 15)).empty());
  std::vector<lookup_event> out;
  p.finish(out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].error == "E_BAD_BODY IDENTIFY failed to read body size");

  lookup_parser q;
  CHECK(feed(q, "  V1IDENTIFY\n" + size_bytes(100) + "{}").empty());
  out.clear();
  q.finish(out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].error == "E_BAD_BODY IDENTIFY failed to read body");
}

TEST_CASE("an endless line is cut off at the bound", "[lookupd][parser]") {
  lookup_parser p(1024, 1024);
  std::vector<lookup_event> ev;
  p.feed("  V1REGISTER ", ev);
  std::string chunk(4096, 'a');
  for (int i = 0; i < 2560 && !p.done(); ++i) // up to 10 MB
    p.feed(chunk, ev);
  REQUIRE(ev.size() == 1);
  CHECK(ev[0].what == kind::fatal);
  CHECK(ev[0].error == "E_INVALID line too long");
  CHECK(p.done());
}

TEST_CASE("input after a fatal event is ignored", "[lookupd][parser]") {
  lookup_parser p;
  auto ev = feed(p, "XXXXPING\n");
  REQUIRE(ev.size() == 1);
  CHECK(feed(p, "PING\n").empty());
}
