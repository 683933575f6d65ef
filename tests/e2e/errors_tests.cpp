// Every error code reachable over plain TCP, byte-exact, fatal versus
// non-fatal; hostile input (long lines, garbage, truncation) never kills the
// server.
#include "e2e/nsqd_process.hpp"
#include "e2e/raw_client.hpp"
#include "e2e/stats_probe.hpp"

#include <set>

using namespace e2e;

namespace {

const std::string some_id = "0123456789abcdef";

/// A command sent before the one under test, with its expected answer.
struct step {
  std::string send;
  std::string expect;
};

/// One fatal error: after `prelude`, sending `bytes` yields `error` and a close.
struct fatal_case {
  std::string name;
  std::vector<step> prelude;
  std::string bytes;
  std::string error;
};

const step sub_ok{"SUB t c\n", ok_frame};
const step cls_ok{"CLS\n", close_wait_frame};

void run(uint16_t port, const std::vector<fatal_case>& cases) {
  for (auto& fc : cases) {
    INFO("case: " << fc.name << " — sending " << printable(fc.bytes.substr(0, 120)));
    raw_client c{port};
    bool prelude_ok = true;
    for (auto& s : fc.prelude) {
      c.send(s.send);
      frame f;
      prelude_ok =
          prelude_ok && c.try_read(f, 5s) == read_status::frame && f.raw == s.expect;
    }
    CHECK(prelude_ok);
    if (!prelude_ok)
      continue;
    c.send(fc.bytes);
    expect_fatal(c, fc.error);
  }
}

/// Checks that the server still serves a new client.
void expect_server_alive(uint16_t port) {
  raw_client c{port};
  c.send(pub("alive", "yes"));
  INFO("a new client must still be served");
  expect_ok(c);
}

std::string json_body(std::string_view json) {
  return be32(static_cast<uint32_t>(json.size())) + std::string(json);
}

} // namespace

TEST_CASE("a wrong magic gets E_BAD_PROTOCOL with the exact bytes, then a close") {
  nsqd_process nsqd;
  for (std::string magic : {"  V1"s, "GET "s, "\0\0\0\0"s}) {
    raw_client c{nsqd.port(), false};
    c.send(magic);
    frame f = c.read_frame();
    CHECK(printable(f.raw) == printable("\x00\x00\x00\x12\x00\x00\x00\x01"
                                        "E_BAD_PROTOCOL"s));
    CHECK(c.closed_within(3s));
  }
  expect_server_alive(nsqd.port());
}

TEST_CASE("E_INVALID: unknown commands, empty line, wrong state, missing params") {
  nsqd_process nsqd;
  std::string fin = "FIN " + some_id + "\n";
  std::string req = "REQ " + some_id + " 0\n";
  std::string touch = "TOUCH " + some_id + "\n";
  run(nsqd.port(),
      {
          {"unknown command", {}, "FOO bar\n", "E_INVALID invalid command FOO"},
          {"lower-case nop", {}, "nop\n", "E_INVALID invalid command nop"},
          {"empty line", {}, "\n", "E_INVALID invalid command "},
          {"empty line with CR", {}, "\r\n", "E_INVALID invalid command "},
          {"RDY in init", {}, "RDY 1\n", "E_INVALID cannot RDY in current state"},
          {"FIN in init", {}, fin, "E_INVALID cannot FIN in current state"},
          {"REQ in init", {}, req, "E_INVALID cannot REQ in current state"},
          {"TOUCH in init", {}, touch, "E_INVALID cannot TOUCH in current state"},
          {"CLS in init", {}, "CLS\n", "E_INVALID cannot CLS in current state"},
          {"IDENTIFY when subscribed",
           {sub_ok},
           "IDENTIFY\n",
           "E_INVALID cannot IDENTIFY in current state"},
          {"SUB when subscribed",
           {sub_ok},
           "SUB t c2\n",
           "E_INVALID cannot SUB in current state"},
          {"AUTH when subscribed",
           {sub_ok},
           "AUTH\n",
           "E_INVALID cannot AUTH in current state"},
          {"CLS when closing",
           {sub_ok, cls_ok},
           "CLS\n",
           "E_INVALID cannot CLS in current state"},
          {"SUB when closing",
           {sub_ok, cls_ok},
           "SUB t c\n",
           "E_INVALID cannot SUB in current state"},
          {"IDENTIFY when closing",
           {sub_ok, cls_ok},
           "IDENTIFY\n",
           "E_INVALID cannot IDENTIFY in current state"},
          {"SUB without params",
           {},
           "SUB\n",
           "E_INVALID SUB insufficient number of parameters"},
          {"SUB without channel",
           {},
           "SUB t\n",
           "E_INVALID SUB insufficient number of parameters"},
          {"PUB without topic",
           {},
           "PUB\n",
           "E_INVALID PUB insufficient number of parameters"},
          {"MPUB without topic",
           {},
           "MPUB\n",
           "E_INVALID MPUB insufficient number of parameters"},
          {"DPUB without params",
           {},
           "DPUB\n",
           "E_INVALID DPUB insufficient number of parameters"},
          {"DPUB without timeout",
           {},
           "DPUB t\n",
           "E_INVALID DPUB insufficient number of parameters"},
          {"FIN without ID",
           {sub_ok},
           "FIN\n",
           "E_INVALID FIN insufficient number of params"},
          {"REQ without timeout",
           {sub_ok},
           "REQ " + some_id + "\n",
           "E_INVALID REQ insufficient number of params"},
          {"TOUCH without ID",
           {sub_ok},
           "TOUCH\n",
           "E_INVALID TOUCH insufficient number of params"},
          {"AUTH with a parameter",
           {},
           "AUTH secret\n",
           "E_INVALID AUTH invalid number of parameters"},
      });
  expect_server_alive(nsqd.port());
}

TEST_CASE("E_INVALID: RDY, REQ and DPUB numbers, message IDs, heartbeats disabled") {
  nsqd_process nsqd;
  run(nsqd.port(),
      {
          {"RDY letters", {sub_ok}, "RDY x\n", "E_INVALID RDY could not parse count x"},
          {"RDY negative",
           {sub_ok},
           "RDY -1\n",
           "E_INVALID RDY could not parse count -1"},
          {"RDY plus sign",
           {sub_ok},
           "RDY +1\n",
           "E_INVALID RDY could not parse count +1"},
          {"RDY above max",
           {sub_ok},
           "RDY 2501\n",
           "E_INVALID RDY count 2501 out of range 0-2500"},
          {"RDY wraps negative",
           {sub_ok},
           "RDY 18446744073709551615\n",
           "E_INVALID RDY count -1 out of range 0-2500"},
          {"REQ letters",
           {sub_ok},
           "REQ " + some_id + " x\n",
           "E_INVALID REQ could not parse timeout x"},
          {"REQ negative",
           {sub_ok},
           "REQ " + some_id + " -1\n",
           "E_INVALID REQ could not parse timeout -1"},
          {"REQ short ID", {sub_ok}, "REQ abc 0\n", "E_INVALID invalid message ID"},
          {"FIN short ID", {sub_ok}, "FIN abc\n", "E_INVALID invalid message ID"},
          {"FIN long ID",
           {sub_ok},
           "FIN " + some_id + "0\n",
           "E_INVALID invalid message ID"},
          {"TOUCH short ID", {sub_ok}, "TOUCH abc\n", "E_INVALID invalid message ID"},
          {"DPUB letters", {}, "DPUB t x\n", "E_INVALID DPUB could not parse timeout x"},
          {"DPUB negative",
           {},
           "DPUB t -5\n",
           "E_INVALID DPUB could not parse timeout -5"},
          {"DPUB above max",
           {},
           "DPUB t 3600001\n",
           "E_INVALID DPUB timeout 3600001 out of range 0-3600000"},
          {"SUB with heartbeats disabled",
           {{identify(R"({"heartbeat_interval":-1})"), ok_frame}},
           "SUB t c\n",
           "E_INVALID cannot SUB with heartbeats disabled"},
      });
  // Valid edge values: RDY with an empty parameter (0), RDY at the maximum.
  raw_client c{nsqd.port()};
  c.send("SUB t c\n");
  expect_ok(c);
  c.send("RDY \n");
  c.send("RDY 2500\n");
  c.send("RDY 0\n");
  c.send("FIN " + some_id + "\n");
  expect_nonfatal(c, "E_FIN_FAILED FIN " + some_id + " failed ID not in flight");
}

TEST_CASE("E_BAD_BODY: IDENTIFY envelope, JSON and each field's validation") {
  nsqd_process nsqd;
  auto id = [](std::string_view json) { return "IDENTIFY\n" + json_body(json); };
  run(nsqd.port(),
      {
          {"too big",
           {},
           "IDENTIFY\n" + be32(5242881),
           "E_BAD_BODY IDENTIFY body too big 5242881 > 5242880"},
          {"zero size",
           {},
           "IDENTIFY\n" + be32(0),
           "E_BAD_BODY IDENTIFY invalid body size 0"},
          {"negative size",
           {},
           "IDENTIFY\n" + be32(0x80000000u),
           "E_BAD_BODY IDENTIFY invalid body size -2147483648"},
          {"not JSON", {}, id("{x}"), "E_BAD_BODY IDENTIFY failed to decode JSON body"},
          {"JSON array", {}, id("[1]"), "E_BAD_BODY IDENTIFY failed to decode JSON body"},
          {"string heartbeat",
           {},
           id(R"({"heartbeat_interval":"1000"})"),
           "E_BAD_BODY IDENTIFY failed to decode JSON body"},
          {"fractional heartbeat",
           {},
           id(R"({"heartbeat_interval":1000.5})"),
           "E_BAD_BODY IDENTIFY failed to decode JSON body"},
          {"heartbeat too small",
           {},
           id(R"({"heartbeat_interval":999})"),
           "E_BAD_BODY IDENTIFY heartbeat interval (999) is invalid"},
          {"heartbeat too large",
           {},
           id(R"({"heartbeat_interval":60001})"),
           "E_BAD_BODY IDENTIFY heartbeat interval (60001) is invalid"},
          {"heartbeat -2",
           {},
           id(R"({"heartbeat_interval":-2})"),
           "E_BAD_BODY IDENTIFY heartbeat interval (-2) is invalid"},
          {"output buffer timeout too small",
           {},
           id(R"({"output_buffer_timeout":24})"),
           "E_BAD_BODY IDENTIFY output buffer timeout (24) is invalid"},
          {"output buffer timeout too large",
           {},
           id(R"({"output_buffer_timeout":30001})"),
           "E_BAD_BODY IDENTIFY output buffer timeout (30001) is invalid"},
          {"output buffer size too small",
           {},
           id(R"({"output_buffer_size":63})"),
           "E_BAD_BODY IDENTIFY output buffer size (63) is invalid"},
          {"output buffer size too large",
           {},
           id(R"({"output_buffer_size":65537})"),
           "E_BAD_BODY IDENTIFY output buffer size (65537) is invalid"},
          {"sample rate 100",
           {},
           id(R"({"sample_rate":100})"),
           "E_BAD_BODY IDENTIFY sample rate (100) is invalid"},
          {"sample rate -1",
           {},
           id(R"({"sample_rate":-1})"),
           "E_BAD_BODY IDENTIFY sample rate (-1) is invalid"},
          {"msg timeout too small",
           {},
           id(R"({"msg_timeout":999})"),
           "E_BAD_BODY IDENTIFY msg timeout (999) is invalid"},
          {"msg timeout -1",
           {},
           id(R"({"msg_timeout":-1})"),
           "E_BAD_BODY IDENTIFY msg timeout (-1) is invalid"},
          {"msg timeout too large",
           {},
           id(R"({"msg_timeout":900001})"),
           "E_BAD_BODY IDENTIFY msg timeout (900001) is invalid"},
          {"validation order: heartbeat first",
           {},
           id(R"({"msg_timeout":1,"sample_rate":100,"heartbeat_interval":1})"),
           "E_BAD_BODY IDENTIFY heartbeat interval (1) is invalid"},
          {"validation order: buffer timeout before size",
           {},
           id(R"({"output_buffer_size":1,"output_buffer_timeout":1,"msg_timeout":1})"),
           "E_BAD_BODY IDENTIFY output buffer timeout (1) is invalid"},
      });
  expect_server_alive(nsqd.port());
}

TEST_CASE("E_BAD_BODY and E_BAD_MESSAGE: MPUB envelope and elements") {
  nsqd_process nsqd{{"--max-msg-size=10"}};
  auto mpub_raw = [](const std::string& body) {
    return "MPUB t\n" + be32(static_cast<uint32_t>(body.size())) + body;
  };
  run(nsqd.port(), {
                       {"zero body size",
                        {},
                        "MPUB t\n" + be32(0),
                        "E_BAD_BODY MPUB invalid body size 0"},
                       {"negative body size",
                        {},
                        "MPUB t\n" + be32(0xffffffffu),
                        "E_BAD_BODY MPUB invalid body size -1"},
                       {"body too big",
                        {},
                        "MPUB t\n" + be32(5242881),
                        "E_BAD_BODY MPUB body too big 5242881 > 5242880"},
                       {"zero count",
                        {},
                        mpub_raw(be32(0)),
                        "E_BAD_BODY MPUB invalid message count 0"},
                       {"negative count",
                        {},
                        mpub_raw(be32(0xffffffffu)),
                        "E_BAD_BODY MPUB invalid message count -1"},
                       {"count above (max-body-size - 4) / 5",
                        {},
                        mpub_raw(be32(1048576)),
                        "E_BAD_BODY MPUB invalid message count 1048576"},
                       {"first element empty",
                        {},
                        mpub_raw(be32(1) + be32(0)),
                        "E_BAD_MESSAGE MPUB invalid message(0) body size 0"},
                       {"second element empty",
                        {},
                        mpub_raw(be32(2) + be32(1) + "a" + be32(0)),
                        "E_BAD_MESSAGE MPUB invalid message(1) body size 0"},
                       {"element negative",
                        {},
                        mpub_raw(be32(1) + be32(0x80000000u)),
                        "E_BAD_MESSAGE MPUB invalid message(0) body size -2147483648"},
                       {"element too big",
                        {},
                        mpub_raw(be32(1) + be32(11) + std::string(11, 'x')),
                        "E_BAD_MESSAGE MPUB message too big 11 > 10"},
                   });
  expect_server_alive(nsqd.port());
  // A failed MPUB enqueues nothing: only the valid batch reaches a consumer.
  raw_client bad{nsqd.port()};
  bad.send(mpub_raw(be32(2) + be32(4) + "good" + be32(11) + std::string(11, 'x')));
  expect_fatal(bad, "E_BAD_MESSAGE MPUB message too big 11 > 10");
  raw_client good{nsqd.port()};
  good.send(mpub("t", {"ok1", "ok2"}));
  expect_ok(good);
  auto consumer = subscriber(nsqd.port(), "t", "check", 10);
  std::multiset<std::string> got;
  for (int i = 0; i < 2; ++i)
    got.insert(consumer.read_message().body);
  CHECK(got == std::multiset<std::string>{"ok1", "ok2"});
  CHECK(consumer.silent_for(500ms));
}

TEST_CASE("E_BAD_TOPIC, E_BAD_CHANNEL and E_BAD_MESSAGE for PUB, DPUB and SUB") {
  nsqd_process nsqd{{"--max-msg-size=1048576"}};
  std::string long_name(65, 'a');
  run(nsqd.port(),
      {
          {"PUB bad topic",
           {},
           "PUB bad!topic\n",
           R"(E_BAD_TOPIC PUB topic name "bad!topic" is not valid)"},
          {"PUB empty topic",
           {},
           "PUB \n",
           R"(E_BAD_TOPIC PUB topic name "" is not valid)"},
          {"PUB 65-byte topic",
           {},
           "PUB " + long_name + "\n",
           "E_BAD_TOPIC PUB topic name \"" + long_name + "\" is not valid"},
          {"PUB topic quoted with escapes",
           {},
           "PUB a\"b\x01\n",
           R"(E_BAD_TOPIC PUB topic name "a\"b\x01" is not valid)"},
          {"MPUB bad topic (code repeated)",
           {},
           "MPUB bad!topic\n",
           R"(E_BAD_TOPIC E_BAD_TOPIC MPUB topic name "bad!topic" is not valid)"},
          {"DPUB bad topic",
           {},
           "DPUB bad!topic 0\n",
           R"(E_BAD_TOPIC DPUB topic name "bad!topic" is not valid)"},
          {"DPUB bad topic before bad timeout",
           {},
           "DPUB bad!topic x\n",
           R"(E_BAD_TOPIC DPUB topic name "bad!topic" is not valid)"},
          {"SUB bad topic",
           {},
           "SUB bad!topic c\n",
           R"(E_BAD_TOPIC SUB topic name "bad!topic" is not valid)"},
          {"SUB bad ephemeral suffix",
           {},
           "SUB t#eph c\n",
           R"(E_BAD_TOPIC SUB topic name "t#eph" is not valid)"},
          {"SUB bad channel",
           {},
           "SUB t bad!ch\n",
           R"(E_BAD_CHANNEL SUB channel name "bad!ch" is not valid)"},
          {"SUB 65-byte channel",
           {},
           "SUB t " + long_name + "\n",
           "E_BAD_CHANNEL SUB channel name \"" + long_name + "\" is not valid"},
          {"PUB zero size",
           {},
           "PUB t\n" + be32(0),
           "E_BAD_MESSAGE PUB invalid message body size 0"},
          {"PUB size -1",
           {},
           "PUB t\n" + be32(0xffffffffu),
           "E_BAD_MESSAGE PUB invalid message body size -1"},
          {"PUB size -2^31",
           {},
           "PUB t\n" + be32(0x80000000u),
           "E_BAD_MESSAGE PUB invalid message body size -2147483648"},
          {"PUB too big",
           {},
           "PUB t\n" + be32(1048577),
           "E_BAD_MESSAGE PUB message too big 1048577 > 1048576"},
          {"DPUB zero size",
           {},
           "DPUB t 10\n" + be32(0),
           "E_BAD_MESSAGE DPUB invalid message body size 0"},
          {"DPUB size -2^31",
           {},
           "DPUB t 10\n" + be32(0x80000000u),
           "E_BAD_MESSAGE DPUB invalid message body size -2147483648"},
          {"DPUB too big",
           {},
           "DPUB t 10\n" + be32(1048577),
           "E_BAD_MESSAGE DPUB message too big 1048577 > 1048576"},
      });
  // Valid names at the limits are accepted.
  raw_client c{nsqd.port()};
  std::string max_name(64, 'b');
  c.send(pub(max_name, "x"));
  expect_ok(c);
  c.send(pub("a.b_c-D9", "x"));
  expect_ok(c);
  c.send(pub(std::string(54, 'e') + "#ephemeral", "x"));
  expect_ok(c);
  expect_server_alive(nsqd.port());
}

TEST_CASE("E_AUTH_DISABLED when AUTH is sent to a server without auth") {
  nsqd_process nsqd;
  run(nsqd.port(), {{"AUTH with a body",
                     {},
                     "AUTH\n" + json_body("good"),
                     "E_AUTH_DISABLED AUTH disabled"}});
}

TEST_CASE("E_SUB_FAILED beyond --max-channel-consumers") {
  nsqd_process nsqd{{"--max-channel-consumers=1"}};
  auto first = subscriber(nsqd.port(), "t", "c", 0);
  raw_client second{nsqd.port()};
  second.send("SUB t c\n");
  expect_fatal(second, "E_SUB_FAILED SUB failed consumers for t:c exceeds limit of 1");
  // Another channel is a separate limit; the slot frees when the first leaves.
  auto other = subscriber(nsqd.port(), "t", "c2", 0);
  first.close();
  // The server learns of the close asynchronously: wait until the slot is free.
  REQUIRE(probe::eventually(
      [&] {
        auto c = probe::channel_stats(probe::stats(nsqd.http_port()), "t", "c");
        return !c.is_null() && c["client_count"] == 0;
      },
      10s));
  auto third = subscriber(nsqd.port(), "t", "c", 0);
}

// E_PUB_FAILED comes from a failing disk write: see durability_disk_full_tests.cpp.
TEST_CASE(
    "beyond --mem-queue-size a topic spills to disk: PUB stays OK, nothing is lost") {
  nsqd_process nsqd{{"--mem-queue-size=5"}};
  raw_client c{nsqd.port()};
  for (int i = 0; i < 20; ++i) {
    c.send(pub("full", "m" + std::to_string(i)));
    expect_ok(c);
  }
  auto consumer = subscriber(nsqd.port(), "full", "ch", 10);
  std::multiset<std::string> got, want;
  for (int i = 0; i < 20; ++i) {
    message m = consumer.read_message();
    got.insert(m.body);
    want.insert("m" + std::to_string(i));
    consumer.send("FIN " + m.id + "\n");
  }
  CHECK(got == want);
  CHECK(consumer.silent_for(300ms));
}

TEST_CASE("E_FIN_FAILED, E_REQ_FAILED, E_TOUCH_FAILED are non-fatal") {
  nsqd_process nsqd;
  auto a = subscriber(nsqd.port(), "own", "ch", 1);
  auto b = subscriber(nsqd.port(), "own", "ch", 0);

  SECTION("ID not in flight") {
    a.send("FIN " + some_id + "\n");
    expect_nonfatal(a, "E_FIN_FAILED FIN " + some_id + " failed ID not in flight");
    a.send("REQ " + some_id + " 0\n");
    expect_nonfatal(a, "E_REQ_FAILED REQ " + some_id + " failed ID not in flight");
    a.send("TOUCH " + some_id + "\n");
    expect_nonfatal(a, "E_TOUCH_FAILED TOUCH " + some_id + " failed ID not in flight");
  }
  SECTION("client does not own message") {
    publish(nsqd.port(), "own", {"x"});
    message m = a.read_message();
    b.send("FIN " + m.id + "\n");
    expect_nonfatal(b,
                    "E_FIN_FAILED FIN " + m.id + " failed client does not own message");
    b.send("REQ " + m.id + " 0\n");
    expect_nonfatal(b,
                    "E_REQ_FAILED REQ " + m.id + " failed client does not own message");
    b.send("TOUCH " + m.id + "\n");
    expect_nonfatal(b, "E_TOUCH_FAILED TOUCH " + m.id +
                           " failed client does not own message");
    // The owner still can.
    a.send("FIN " + m.id + "\n");
    a.send("FIN " + m.id + "\n");
    expect_nonfatal(a, "E_FIN_FAILED FIN " + m.id + " failed ID not in flight");
  }
}

TEST_CASE("a line of 16383 bytes is parsed, one byte more closes without a frame") {
  nsqd_process nsqd;
  {
    std::string name = "FOO" + std::string(16380, 'x');
    raw_client c{nsqd.port()};
    c.send(name + "\n");
    expect_fatal(c, "E_INVALID invalid command " + name);
  }
  {
    raw_client c{nsqd.port()};
    c.try_send("FOO" + std::string(16381, 'x') + "\n");
    std::string got;
    CHECK(c.closed_within(5s, &got));
    CHECK(printable(got) == "");
  }
  {
    // A huge line without any newline is cut off too, without growing memory.
    raw_client c{nsqd.port()};
    std::string chunk(65536, 'y');
    for (int i = 0; i < 16 && c.try_send(chunk); ++i) {
    }
    std::string got;
    CHECK(c.closed_within(5s, &got));
    CHECK(got.empty());
  }
  expect_server_alive(nsqd.port());
}

TEST_CASE("garbage bytes get E_INVALID and a close, the server survives") {
  nsqd_process nsqd;
  {
    raw_client c{nsqd.port()};
    c.send("\x01\x02\xfe\xff garbage\n"s);
    frame f = c.read_frame();
    CHECK(f.type == 1);
    CHECK(f.data == "E_INVALID invalid command \x01\x02\xfe\xff"s);
    CHECK(c.closed_within(3s));
  }
  {
    // Random binary, whatever the server makes of it, must end in a close.
    raw_client c{nsqd.port()};
    std::string noise;
    uint32_t x = 12345;
    for (int i = 0; i < 4096; ++i) {
      x = x * 1103515245u + 12345u;
      noise += static_cast<char>(x >> 24);
    }
    c.try_send(noise + "\n");
    std::string got;
    CHECK(c.closed_within(5s, &got));
  }
  expect_server_alive(nsqd.port());
}

TEST_CASE("truncated commands: half-closed bodies get their read error") {
  nsqd_process nsqd;
  struct truncated {
    std::string bytes;
    std::string error;
  };
  std::vector<truncated> cases{
      {"IDENTIFY\n\x00\x00"s, "E_BAD_BODY IDENTIFY failed to read body size"},
      {"IDENTIFY\n" + be32(10) + "{}", "E_BAD_BODY IDENTIFY failed to read body"},
      {"PUB t\n\x00"s, "E_BAD_MESSAGE PUB failed to read message body size"},
      {"PUB t\n" + be32(10) + "abc", "E_BAD_MESSAGE PUB failed to read message body"},
      {"DPUB t 5\n" + be32(10) + "abc", "E_BAD_MESSAGE DPUB failed to read message body"},
      {"MPUB t\n\x00\x00"s, "E_BAD_BODY MPUB failed to read body size"},
      {"MPUB t\n" + be32(20) + "\x00"s, "E_BAD_BODY MPUB failed to read message count"},
      {"MPUB t\n" + be32(20) + be32(2) + be32(3) + "abc",
       "E_BAD_MESSAGE MPUB failed to read message(1) body size"},
      {"MPUB t\n" + be32(20) + be32(1) + be32(9) + "abc",
       "E_BAD_MESSAGE MPUB failed to read message body"},
      {"AUTH\n\x00"s, "E_BAD_BODY AUTH failed to read body size"},
  };
  for (auto& tc : cases) {
    INFO("sending " << printable(tc.bytes) << " then half-closing");
    raw_client c{nsqd.port()};
    c.send(tc.bytes);
    c.shutdown_write();
    expect_fatal(c, tc.error);
  }
  expect_server_alive(nsqd.port());
}

TEST_CASE("truncated commands then a hard close never hurt the server") {
  nsqd_process nsqd;
  std::vector<std::string> partials{
      "PU",
      "PUB t\n",
      "PUB t\n\x00\x00"s,
      "PUB t\n" + be32(100) + "abc",
      "MPUB t\n" + be32(100) + be32(3) + be32(2) + "a",
      "IDENTIFY\n" + be32(50) + "{\"heart",
      "DPUB t 100\n" + be32(5),
      "  V",
  };
  for (auto& bytes : partials) {
    raw_client c{nsqd.port(), bytes != "  V"};
    c.send(bytes);
    c.close();
  }
  expect_server_alive(nsqd.port());
  CHECK(nsqd.running());
}
