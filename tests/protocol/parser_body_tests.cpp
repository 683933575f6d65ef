// The command parser's bodies: PUB, DPUB, IDENTIFY, AUTH and MPUB sizes,
// their errors in nsqd's order, and MPUB splitting.

#include "tests/protocol/parser_fixture.hpp"

using namespace parser_test;
using namespace std::string_literals;

TEST_CASE("PUB body is read and attached") {
  auto r = run(magic + "PUB test\n" + sized("hello") + "NOP\n");
  CHECK(r.st == status::ok);
  REQUIRE(r.cmds.size() == 2);
  CHECK(r.cmds[0].name == "PUB");
  CHECK(r.cmds[0].params == std::vector<std::string>{"test"});
  CHECK(r.cmds[0].body == "hello");
  CHECK_FALSE(r.cmds[0].has_body_error());
  CHECK(r.cmds[1].name == "NOP");
}

TEST_CASE("body bytes may contain newlines and NULs") {
  std::string body = "a\nb\0c\r\n"s;
  auto r = run_bytewise(magic + "PUB t\n" + sized(body));
  REQUIRE(r.cmds.size() == 1);
  CHECK(r.cmds[0].body == body);
}

TEST_CASE("a body is buffered only up to its announced size") {
  command_parser parser{settings{}};
  std::vector<command> out;
  parser.feed(magic + "PUB t\n" + be32(1000) + std::string(999, 'x'), out);
  CHECK(out.empty());
  CHECK(parser.buffered() == 999);
  parser.feed("yPUB", out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].body == std::string(999, 'x') + "y");
  CHECK(parser.buffered() == 3);
}

TEST_CASE("a line that fails before the body stops the parser without reading it") {
  for (std::string line : {"PUB\n", "PUB bad!topic\n", "MPUB\n", "MPUB a:b\n", "DPUB t\n",
                           "DPUB t x\n", "DPUB t 3600001\n", "AUTH x\n"}) {
    CAPTURE(line);
    command_parser parser{settings{}};
    std::vector<command> out;
    // Body prefix and anything after are ignored.
    CHECK(parser.feed(magic + line + sized("x") + "NOP\n", out) == status::stopped);
    REQUIRE(out.size() == 1);
    CHECK_FALSE(out[0].has_body_error());
    CHECK(out[0].body.empty());
    CHECK(parser.feed("NOP\n", out) == status::stopped);
    CHECK(out.size() == 1);
  }
}

TEST_CASE("PUB and DPUB body size errors, in their order") {
  CHECK(body_error_of("PUB t\n" + be32(0)) ==
        "E_BAD_MESSAGE PUB invalid message body size 0");
  CHECK(body_error_of("PUB t\n" + be32(-1)) ==
        "E_BAD_MESSAGE PUB invalid message body size -1");
  CHECK(body_error_of("PUB t\n" + be32(0x80000000LL)) ==
        "E_BAD_MESSAGE PUB invalid message body size -2147483648");
  CHECK(body_error_of("PUB t\n" + be32(1048577)) ==
        "E_BAD_MESSAGE PUB message too big 1048577 > 1048576");
  CHECK(body_error_of("PUB t\n" + be32(0x7fffffff)) ==
        "E_BAD_MESSAGE PUB message too big 2147483647 > 1048576");
  CHECK(body_error_of("DPUB t 10\n" + be32(0)) ==
        "E_BAD_MESSAGE DPUB invalid message body size 0");
  CHECK(body_error_of("DPUB t 10\n" + be32(1048577)) ==
        "E_BAD_MESSAGE DPUB message too big 1048577 > 1048576");
  settings cfg;
  cfg.max_msg_size = 10;
  CHECK(body_error_of("PUB t\n" + be32(11), cfg) ==
        "E_BAD_MESSAGE PUB message too big 11 > 10");
  auto ok = run(magic + "PUB t\n" + sized(std::string(10, 'x')), cfg);
  CHECK(ok.st == status::ok);
  CHECK(ok.cmds.at(0).body.size() == 10);
}

TEST_CASE("IDENTIFY and AUTH body size errors check the upper bound first") {
  CHECK(body_error_of("IDENTIFY\n" + be32(5242881)) ==
        "E_BAD_BODY IDENTIFY body too big 5242881 > 5242880");
  CHECK(body_error_of("IDENTIFY\n" + be32(0)) ==
        "E_BAD_BODY IDENTIFY invalid body size 0");
  CHECK(body_error_of("IDENTIFY\n" + be32(-5)) ==
        "E_BAD_BODY IDENTIFY invalid body size -5");
  CHECK(body_error_of("AUTH\n" + be32(5242881)) ==
        "E_BAD_BODY AUTH body too big 5242881 > 5242880");
  CHECK(body_error_of("AUTH\n" + be32(0xffffffffLL)) ==
        "E_BAD_BODY AUTH invalid body size -1");
  auto ok = run(magic + "IDENTIFY\n" + sized("{}") + "AUTH\n" + sized("secret"));
  REQUIRE(ok.cmds.size() == 2);
  CHECK(ok.cmds[0].body == "{}");
  CHECK(ok.cmds[1].body == "secret");
}

TEST_CASE("MPUB envelope errors") {
  CHECK(body_error_of("MPUB t\n" + be32(0)) == "E_BAD_BODY MPUB invalid body size 0");
  CHECK(body_error_of("MPUB t\n" + be32(-1)) == "E_BAD_BODY MPUB invalid body size -1");
  CHECK(body_error_of("MPUB t\n" + be32(5242881)) ==
        "E_BAD_BODY MPUB body too big 5242881 > 5242880");
  CHECK(body_error_of("MPUB t\n" + sized("abc")) ==
        "E_BAD_BODY MPUB failed to read message count");
  CHECK(body_error_of("MPUB t\n" + sized(be32(0))) ==
        "E_BAD_BODY MPUB invalid message count 0");
  CHECK(body_error_of("MPUB t\n" + sized(be32(-3))) ==
        "E_BAD_BODY MPUB invalid message count -3");
  settings cfg;
  cfg.max_body_size = 104; // max count (104 - 4) / 5 = 20
  CHECK(body_error_of("MPUB t\n" + sized(be32(21)), cfg) ==
        "E_BAD_BODY MPUB invalid message count 21");
  CHECK(body_error_of("MPUB t\n" + sized(be32(20)), cfg) ==
        "E_BAD_MESSAGE MPUB failed to read message(0) body size");
}

TEST_CASE("MPUB element errors drop every message") {
  CHECK(body_error_of("MPUB t\n" + sized(be32(2) + sized("abc") + "\0\0"s)) ==
        "E_BAD_MESSAGE MPUB failed to read message(1) body size");
  CHECK(body_error_of("MPUB t\n" + sized(be32(2) + sized("abc") + be32(0))) ==
        "E_BAD_MESSAGE MPUB invalid message(1) body size 0");
  CHECK(body_error_of("MPUB t\n" + sized(be32(1) + be32(-7))) ==
        "E_BAD_MESSAGE MPUB invalid message(0) body size -7");
  CHECK(body_error_of("MPUB t\n" + sized(be32(1) + be32(1048577))) ==
        "E_BAD_MESSAGE MPUB message too big 1048577 > 1048576");
  CHECK(body_error_of("MPUB t\n" + sized(be32(2) + sized("abc") + be32(5) + "de")) ==
        "E_BAD_MESSAGE MPUB failed to read message body");
}

TEST_CASE("MPUB splits the messages, extra bytes inside the body are ignored") {
  auto r =
      run(magic + "MPUB test\n" + sized(mpub_body({"abc", "de"}) + "junk") + "NOP\n");
  CHECK(r.st == status::ok);
  REQUIRE(r.cmds.size() == 2);
  CHECK(r.cmds[0].messages.to_strings() == std::vector<std::string>{"abc", "de"});
  CHECK(r.cmds[0].body.empty());
  CHECK_FALSE(r.cmds[0].has_body_error());
  CHECK(r.cmds[1].name == "NOP");
}

TEST_CASE("MPUB keeps its body whole: the messages point into it") {
  auto body = mpub_body({"abc", "de"}) + "junk";
  auto r = run(magic + "MPUB test\n" + sized(body));
  REQUIRE(r.cmds.size() == 1);
  const auto& m = r.cmds[0].messages;
  CHECK(m.buffer() == body);
  REQUIRE(m.size() == 2);
  CHECK(m[0].data() == m.buffer().data() + 8); // after the count and its size
  CHECK(m[1].data() == m.buffer().data() + 15);
}

TEST_CASE("the observed MPUB transcript parses") {
  std::string bytes = "MPUB test\n\x00\x00\x00\x11\x00\x00\x00\x02\x00\x00\x00\x03"
                      "abc\x00\x00\x00\x02"
                      "de"s;
  auto r = run(magic + bytes);
  REQUIRE(r.cmds.size() == 1);
  CHECK(r.cmds[0].messages.to_strings() == std::vector<std::string>{"abc", "de"});
}

TEST_CASE(
    "split anywhere: whole, byte by byte and random chunks give the same commands") {
  std::string stream = magic + "IDENTIFY\n" + sized(R"({"feature_negotiation":true})") +
                       "AUTH\n" + sized("s") + "SUB t c\r\n" + "RDY 10\n" + "PUB test\n" +
                       sized("hello") + "MPUB t\n" +
                       sized(mpub_body({"a", std::string(300, 'z'), "\n\n"})) +
                       "DPUB t 1500\n" + sized("deferred") + "FIN 0123456789abcdef\n" +
                       "REQ 0123456789abcdef 0\n" + "TOUCH 0123456789abcdef\n" + "NOP\n" +
                       "CLS\n" + "PUB t\n" + be32(0) + "NOP\n";
  auto whole = run(stream);
  CHECK(whole.st == status::stopped);
  REQUIRE(whole.cmds.size() == 13);
  CHECK(whole.cmds[5].messages.size() == 3);
  CHECK(whole.cmds[12].body_error.wire() ==
        "E_BAD_MESSAGE PUB invalid message body size 0");
  check_same(whole, run_bytewise(stream));
  std::mt19937 rng(12345);
  for (int round = 0; round < 200; ++round) {
    std::uniform_int_distribution<size_t> dist(1, 1 + static_cast<size_t>(round % 40));
    check_same(whole, run_chunked(stream, [&] { return dist(rng); }));
  }
}
