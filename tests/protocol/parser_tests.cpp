// The command parser: magic, lines, limits, inline IDs, random input and
// the end of input (bodies: parser_body_tests.cpp).

#include "tests/protocol/parser_fixture.hpp"

#include <random>

using namespace parser_test;
using namespace std::string_literals;

TEST_CASE("magic must be exactly \"  V2\"") {
  CHECK(run("  V1").st == status::bad_protocol);
  CHECK(run("V2  PUB").st == status::bad_protocol);
  CHECK(run_bytewise("  v2").st == status::bad_protocol);
  auto partial = run("  V");
  CHECK(partial.st == status::ok);
  CHECK(partial.cmds.empty());
  auto good = run_bytewise("  V2NOP\n");
  CHECK(good.st == status::ok);
  REQUIRE(good.cmds.size() == 1);
  CHECK(good.cmds[0].name == "NOP");
}

TEST_CASE("input after a bad magic is ignored") {
  command_parser parser{settings{}};
  std::vector<command> out;
  CHECK(parser.feed("XXXXNOP\n", out) == status::bad_protocol);
  CHECK(parser.feed("NOP\n", out) == status::bad_protocol);
  CHECK(out.empty());
}

TEST_CASE("lines split on every single space, CR stripped once") {
  auto r = run(magic + "PUB  t\nNOP\r\nRDY \n\nFIN a b\r\r\n nop\nSUB t c \n"s);
  REQUIRE(r.cmds.size() == 1);
  // PUB with an empty topic fails before the body: emitted, parser stops.
  CHECK(r.cmds[0].name == "PUB");
  CHECK(r.cmds[0].params == std::vector<std::string>{"", "t"});
  CHECK(r.st == status::stopped);
  auto rest = run(magic + "NOP\r\nRDY \n\nFIN a b\r\r\n nop\nSUB t c \n"s);
  REQUIRE(rest.cmds.size() == 6);
  CHECK(rest.cmds[0].name == "NOP");
  CHECK(rest.cmds[0].params.empty());
  CHECK(rest.cmds[1].name == "RDY");
  CHECK(rest.cmds[1].params == std::vector<std::string>{""});
  CHECK(rest.cmds[2].name.empty());
  CHECK(rest.cmds[2].params.empty());
  CHECK(rest.cmds[3].name == "FIN");
  CHECK(rest.cmds[3].params == std::vector<std::string>{"a", "b\r"});
  CHECK(rest.cmds[4].name.empty());
  CHECK(rest.cmds[4].params == std::vector<std::string>{"nop"});
  CHECK(rest.cmds[5].name == "SUB");
  CHECK(rest.cmds[5].params == std::vector<std::string>{"t", "c", ""});
  CHECK(rest.st == status::ok);
}

TEST_CASE("FINs in a row of one read merge into one command, in order", "[parser]") {
  auto id = [](char c) { return std::string(15, '0') + c; };
  auto r = run(magic + "FIN " + id('a') + "\nFIN " + id('b') + "\r\nFIN " + id('c') +
               "\nTOUCH " + id('d') + "\nFIN " + id('e') + "\nFIN short\nFIN " + id('f') +
               "\nFIN " + id('g') + "\n");
  REQUIRE(r.cmds.size() == 5);
  auto text = [](const message_id& m) { return std::string(m.data(), m.size()); };
  CHECK(r.cmds[0].name == "FIN");
  REQUIRE(r.cmds[0].id);
  CHECK(text(*r.cmds[0].id) == id('a'));
  REQUIRE(r.cmds[0].more_ids.size() == 2);
  CHECK(text(r.cmds[0].more_ids[0]) == id('b'));
  CHECK(text(r.cmds[0].more_ids[1]) == id('c'));
  // TOUCH ends the run; a FIN the general path takes ends the next one.
  CHECK(r.cmds[1].name == "TOUCH");
  CHECK(r.cmds[1].more_ids.empty());
  REQUIRE(r.cmds[2].id);
  CHECK(text(*r.cmds[2].id) == id('e'));
  CHECK(r.cmds[2].more_ids.empty());
  CHECK(!r.cmds[3].id);
  CHECK(r.cmds[3].params == std::vector<std::string>{"short"});
  REQUIRE(r.cmds[4].id);
  CHECK(text(*r.cmds[4].id) == id('f'));
  REQUIRE(r.cmds[4].more_ids.size() == 1);
  CHECK(text(r.cmds[4].more_ids[0]) == id('g'));
}

TEST_CASE("a FIN of an ID's length with a space in it does not join a run", "[parser]") {
  auto id = std::string(16, '7');
  auto spaced = std::string("0123456 89abcdef"); // 16 bytes, two tokens
  auto r = run(magic + "FIN " + id + "\nFIN " + spaced + "\nFIN  " + id.substr(1) + "\n");
  REQUIRE(r.cmds.size() == 3);
  CHECK(r.cmds[0].more_ids.empty());
  CHECK(!r.cmds[1].id);
  CHECK(r.cmds[1].params == std::vector<std::string>{"0123456", "89abcdef"});
  CHECK(!r.cmds[2].id);
  CHECK(r.cmds[2].params == std::vector<std::string>{"", id.substr(1)});
}

TEST_CASE("FIN and TOUCH keep one ID-sized token inline, anything else in params",
          "[parser]") {
  auto r = run(magic + "FIN 0123456789abcdef\nTOUCH 0123456789abcdef\r\n"
                       "FIN 0123456789abcde\nFIN 0123456789abcdef x\n"
                       "REQ 0123456789abcdef 0\nFIN\n"s);
  REQUIRE(r.cmds.size() == 6);
  for (size_t i : {0, 1}) {
    CAPTURE(i);
    REQUIRE(r.cmds[i].id);
    CHECK(std::string(r.cmds[i].id->data(), 16) == "0123456789abcdef");
    CHECK(r.cmds[i].params.empty());
  }
  CHECK(r.cmds[1].name == "TOUCH");
  // Too short, two tokens, REQ, no token: the general path, whose checks
  // give nsqd's errors.
  CHECK(!r.cmds[2].id);
  CHECK(r.cmds[2].params == std::vector<std::string>{"0123456789abcde"});
  CHECK(!r.cmds[3].id);
  CHECK(r.cmds[3].params == std::vector<std::string>{"0123456789abcdef", "x"});
  CHECK(!r.cmds[4].id);
  CHECK(r.cmds[4].params.size() == 2);
  CHECK(!r.cmds[5].id);
  CHECK(r.cmds[5].params.empty());
}

TEST_CASE("commands without a body are emitted as soon as the line ends") {
  command_parser parser{settings{}};
  std::vector<command> out;
  parser.feed(magic + "RDY 1", out);
  CHECK(out.empty());
  CHECK(parser.buffered() == 5);
  parser.feed("0\nCL", out);
  REQUIRE(out.size() == 1);
  CHECK(out[0].params == std::vector<std::string>{"10"});
  parser.feed("S\n", out);
  REQUIRE(out.size() == 2);
  CHECK(out[1].name == "CLS");
  CHECK(parser.buffered() == 0);
}

TEST_CASE("a line of 16383 bytes plus newline is accepted") {
  std::string line = "NOP " + std::string(16383 - 4, 'x');
  auto r = run(magic + line + "\n");
  CHECK(r.st == status::ok);
  REQUIRE(r.cmds.size() == 1);
  CHECK(r.cmds[0].params[0].size() == 16379);
  auto b = run_bytewise(magic + line + "\n");
  CHECK(b.st == status::ok);
  CHECK(b.cmds.size() == 1);
  CHECK(b.max_buffered <= command_parser::max_line_size);
}

TEST_CASE("a line of 16384 bytes before the newline is too long") {
  std::string line(16384, 'x');
  CHECK(run(magic + line + "\n").st == status::line_too_long);
  auto b = run_bytewise(magic + line);
  CHECK(b.st == status::line_too_long);
  CHECK(b.max_buffered <= command_parser::max_line_size);
  CHECK(b.cmds.empty());
  // Detected without waiting for the newline, and without buffering more.
  auto huge = run_chunked(magic + std::string(1 << 20, 'x'), [] { return size_t{4096}; });
  CHECK(huge.st == status::line_too_long);
  CHECK(huge.max_buffered <= command_parser::max_line_size);
}

TEST_CASE("random input never overruns the buffering bounds") {
  settings cfg;
  cfg.max_body_size = 4096;
  cfg.max_msg_size = 1024;
  std::mt19937 rng(99);
  const std::vector<std::string> verbs = {"PUB t\n",    "MPUB t\n", "DPUB t 1\n",
                                          "IDENTIFY\n", "AUTH\n",   "NOP\n"};
  for (int round = 0; round < 300; ++round) {
    std::string stream = magic;
    std::uniform_int_distribution<int> byte(0, 255), pick(0, 5), len(0, 64);
    for (int part = 0; part < 8; ++part) {
      stream += verbs[static_cast<size_t>(pick(rng))];
      for (int i = len(rng); i > 0; --i)
        stream += static_cast<char>(byte(rng));
    }
    auto r = run_chunked(
        stream, [&] { return static_cast<size_t>(len(rng) + 1); }, cfg);
    CHECK(r.max_buffered <= static_cast<size_t>(cfg.max_body_size));
    for (auto& cmd : r.cmds)
      CHECK(cmd.body.size() <= static_cast<size_t>(cfg.max_body_size));
  }
}

namespace {

/// Feeds `stream`, then tells the parser the client closed its side.
std::vector<command> run_then_eof(const std::string& stream) {
  command_parser parser{settings{}};
  std::vector<command> cmds;
  parser.feed(stream, cmds);
  parser.finish(cmds);
  return cmds;
}

std::string body_error_at_eof(const std::string& stream) {
  auto cmds = run_then_eof("  V2" + stream);
  REQUIRE(cmds.size() == 1);
  REQUIRE(cmds[0].has_body_error());
  return cmds[0].body_error.wire();
}

} // namespace

TEST_CASE("end of input inside a size prefix or body reports nsqd's read error",
          "[parser]") {
  CHECK(body_error_at_eof("IDENTIFY\n\x00\x00"s) ==
        "E_BAD_BODY IDENTIFY failed to read body size");
  CHECK(body_error_at_eof("IDENTIFY\n" + be32(10) + "{}") ==
        "E_BAD_BODY IDENTIFY failed to read body");
  CHECK(body_error_at_eof("AUTH\n\x00"s) == "E_BAD_BODY AUTH failed to read body size");
  CHECK(body_error_at_eof("AUTH\n" + be32(5) + "ab") ==
        "E_BAD_BODY AUTH failed to read body");
  CHECK(body_error_at_eof("PUB t\n\x00"s) ==
        "E_BAD_MESSAGE PUB failed to read message body size");
  CHECK(body_error_at_eof("PUB t\n" + be32(10) + "abc") ==
        "E_BAD_MESSAGE PUB failed to read message body");
  CHECK(body_error_at_eof("DPUB t 10\n" + be32(10) + "abc") ==
        "E_BAD_MESSAGE DPUB failed to read message body");
  CHECK(body_error_at_eof("MPUB t\n\x00\x00"s) ==
        "E_BAD_BODY MPUB failed to read body size");
  CHECK(body_error_at_eof("MPUB t\n" + be32(100) + "\x00\x00"s) ==
        "E_BAD_BODY MPUB failed to read message count");
  CHECK(body_error_at_eof("MPUB t\n" + be32(100) + be32(2) + sized("abc") + "\x00"s) ==
        "E_BAD_MESSAGE MPUB failed to read message(1) body size");
  CHECK(body_error_at_eof("MPUB t\n" + be32(100) + be32(1) + be32(9) + "ab") ==
        "E_BAD_MESSAGE MPUB failed to read message body");
}

TEST_CASE("end of input between commands emits nothing more", "[parser]") {
  auto cmds = run_then_eof("  V2NOP\nPUB t\n" + sized("x"));
  REQUIRE(cmds.size() == 2);
  CHECK_FALSE(cmds[1].has_body_error());
  CHECK(run_then_eof("  V2NOP\nPU").size() == 1);
}

TEST_CASE("IDENTIFY and AUTH after SUB are emitted without waiting for a body",
          "[parser]") {
  for (auto verb : {"IDENTIFY"s, "AUTH"s}) {
    auto r = run("  V2SUB t c\n" + verb + "\n");
    CHECK(r.st == status::stopped);
    REQUIRE(r.cmds.size() == 2);
    CHECK(r.cmds[1].name == verb);
    CHECK(r.cmds[1].body.empty());
    CHECK_FALSE(r.cmds[1].has_body_error());
  }
  // Before SUB the body is read as usual.
  auto r = run("  V2IDENTIFY\n" + sized("{}") + "SUB t c\n");
  CHECK(r.st == status::ok);
  REQUIRE(r.cmds.size() == 2);
  CHECK(r.cmds[0].body == "{}");
}

TEST_CASE("the parser holds its limits, not a copy of every setting") {
  // Every connection holds a parser: a whole `settings` inside it was
  // 1.1 KB of each idle connection's RSS (docs/performance.md, "Session 15").
  CHECK(sizeof(command_parser) < sizeof(settings) / 2);
  settings cfg;
  cfg.max_msg_size = 10;
  command_parser parser{cfg};
  std::vector<command> out;
  CHECK(parser.feed("  V2PUB t\n\x00\x00\x00\x0b"s, out) == status::stopped);
  REQUIRE(out.size() == 1);
  CHECK(out[0].body_error.code == "E_BAD_MESSAGE");
}
