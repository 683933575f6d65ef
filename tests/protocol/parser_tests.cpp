#include "protocol/command_parser.hpp"

#include <catch2/catch.hpp>

#include <random>

using namespace nsq;
using namespace std::string_literals;
using status = command_parser::status;

namespace {

std::string be32(int64_t x) {
  auto u = static_cast<uint32_t>(x);
  return {static_cast<char>(u >> 24), static_cast<char>(u >> 16),
          static_cast<char>(u >> 8), static_cast<char>(u)};
}

std::string sized(const std::string& body) {
  return be32(static_cast<int64_t>(body.size())) + body;
}

std::string mpub_body(const std::vector<std::string>& msgs) {
  std::string body = be32(static_cast<int64_t>(msgs.size()));
  for (auto& m : msgs)
    body += sized(m);
  return body;
}

struct run_result {
  std::vector<command> cmds;
  status st = status::ok;
  size_t max_buffered = 0;
};

/// Feeds `stream` in chunks whose sizes `next_chunk` picks.
template <class F>
run_result run_chunked(const std::string& stream, F next_chunk,
                       settings cfg = settings{}) {
  command_parser parser(cfg);
  run_result r;
  size_t pos = 0;
  while (pos < stream.size()) {
    size_t n = std::min(next_chunk(), stream.size() - pos);
    r.st = parser.feed(std::string_view(stream).substr(pos, n), r.cmds);
    r.max_buffered = std::max(r.max_buffered, parser.buffered());
    CHECK(parser.state() == r.st);
    pos += n;
  }
  return r;
}

run_result run(const std::string& stream, settings cfg = settings{}) {
  return run_chunked(
      stream, [&] { return stream.size(); }, cfg);
}

run_result run_bytewise(const std::string& stream, settings cfg = settings{}) {
  return run_chunked(
      stream, [] { return size_t{1}; }, cfg);
}

bool same(const command& a, const command& b) {
  return a.name == b.name && a.params == b.params && a.id == b.id && a.body == b.body &&
         a.messages == b.messages && a.body_error == b.body_error;
}

void check_same(const run_result& a, const run_result& b) {
  CHECK(a.st == b.st);
  REQUIRE(a.cmds.size() == b.cmds.size());
  for (size_t i = 0; i < a.cmds.size(); ++i) {
    CAPTURE(i, a.cmds[i].name);
    CHECK(same(a.cmds[i], b.cmds[i]));
  }
}

const std::string magic = "  V2";

/// Runs one body command after the magic and returns its body error text.
std::string body_error_of(const std::string& bytes, settings cfg = settings{}) {
  auto r = run(magic + bytes, cfg);
  CHECK(r.st == status::stopped);
  REQUIRE(r.cmds.size() == 1);
  CHECK(r.cmds[0].has_body_error());
  CHECK(r.cmds[0].body.empty());
  CHECK(r.cmds[0].messages.empty());
  CHECK(r.cmds[0].body_error.fatal);
  // The same result arrives byte by byte.
  auto b = run_bytewise(magic + bytes, cfg);
  check_same(r, b);
  return r.cmds[0].body_error.wire();
}

} // namespace

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
  CHECK(r.cmds[0].messages == std::vector<std::string>{"abc", "de"});
  CHECK(r.cmds[0].body.empty());
  CHECK_FALSE(r.cmds[0].has_body_error());
  CHECK(r.cmds[1].name == "NOP");
}

TEST_CASE("the observed MPUB transcript parses") {
  std::string bytes = "MPUB test\n\x00\x00\x00\x11\x00\x00\x00\x02\x00\x00\x00\x03"
                      "abc\x00\x00\x00\x02"
                      "de"s;
  auto r = run(magic + bytes);
  REQUIRE(r.cmds.size() == 1);
  CHECK(r.cmds[0].messages == std::vector<std::string>{"abc", "de"});
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
