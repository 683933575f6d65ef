// lookup_command / decode_lookup_identify: the answers of reference §5 and
// the transcripts of §17.2 (texts and their length prefixes).

#include "protocol/lookup_commands.hpp"
#include "protocol/lookup_parser.hpp"

#include <catch2/catch.hpp>

using namespace nsq;

namespace {

lookup_reply run(const std::string& line, bool identified) {
  return lookup_command(lookup_tokens(line), identified);
}

} // namespace

TEST_CASE("frames carry a big-endian length and no type", "[lookupd][commands]") {
  CHECK(lookup_frame("OK") == std::string("\0\0\0\x02OK", 6));
  CHECK(lookup_frame("E_BAD_PROTOCOL").substr(0, 4) == std::string("\0\0\0\x0e", 4));
}

TEST_CASE("PING works before and after IDENTIFY", "[lookupd][commands]") {
  auto before = run("PING extra args", false);
  CHECK(before.data == "OK");
  CHECK_FALSE(before.fatal);
  CHECK(before.action == lookup_action::none);
  CHECK(run("PING", true).action == lookup_action::ping);
}

TEST_CASE("error texts of reference 17.2", "[lookupd][commands]") {
  struct row {
    const char* line;
    bool identified;
    const char* text;
    size_t len;
  };
  const row rows[] = {
      {"REGISTER foo", false, "E_INVALID client must IDENTIFY", 0x1e},
      {"FOO bar", false, "E_INVALID invalid command FOO", 0x1d},
      {"", false, "E_INVALID invalid command ", 0x1a},
      {"ping", true, "E_INVALID invalid command ping", 0x1e},
      {"REGISTER", true, "E_INVALID REGISTER insufficient number of params", 0x30},
      {"UNREGISTER", true, "E_INVALID UNREGISTER insufficient number of params", 0x32},
      {"REGISTER bad!topic", true,
       "E_BAD_TOPIC REGISTER topic name 'bad!topic' is not valid", 0x38},
      {"REGISTER okt bad!chan", true,
       "E_BAD_CHANNEL REGISTER channel name 'bad!chan' is not valid", 0x3b},
      {"UNREGISTER bad!topic", true,
       "E_BAD_TOPIC UNREGISTER topic name 'bad!topic' is not valid", 0x3a},
      {"UNREGISTER okt bad!chan", true,
       "E_BAD_CHANNEL UNREGISTER channel name 'bad!chan' is not valid", 0x3d},
      {"REGISTER  t4", true, "E_BAD_TOPIC REGISTER topic name '' is not valid", 0},
  };
  for (auto& r : rows) {
    INFO(r.line);
    auto out = run(r.line, r.identified);
    CHECK(out.data == r.text);
    CHECK(out.fatal);
    if (r.len != 0)
      CHECK(out.data.size() == r.len);
  }
}

TEST_CASE("REGISTER and UNREGISTER parameters", "[lookupd][commands]") {
  auto a = run("REGISTER t3 c3 extra", true);
  CHECK(a.data == "OK");
  CHECK(a.action == lookup_action::register_);
  CHECK(a.topic == "t3");
  CHECK(a.channel == "c3");
  auto b = run("REGISTER t5  c5", true); // empty token 2: topic only
  CHECK(b.channel.empty());
  auto c = run("UNREGISTER never ch", true);
  CHECK(c.action == lookup_action::unregister);
  CHECK(run("REGISTER t6\tc6", true).data ==
        "E_BAD_TOPIC REGISTER topic name 't6\tc6' is not valid");
}

TEST_CASE("IDENTIFY bodies decode like Go's encoding/json", "[lookupd][commands]") {
  lookup_peer p;
  p.id = "127.0.0.1:1";
  std::string err;
  REQUIRE(decode_lookup_identify(
      R"({"broadcast_address": "fake1.example", "hostname": "fakehost", "http_port": 44999, "tcp_port": 44998, "version": "1.3.0", "remote_address": "spoof:1"})",
      p, err));
  CHECK(p.id == "127.0.0.1:1");
  CHECK(p.broadcast_address == "fake1.example");
  CHECK(p.http_port == 44999);

  lookup_peer q;
  REQUIRE(decode_lookup_identify(
      R"({"BROADCAST_ADDRESS":"a","TCP_PORT":-5,"HTTP_PORT":2,"Version":"1"})", q, err));
  CHECK(q.tcp_port == -5);

  lookup_peer latin1; // invalid UTF-8 in a string becomes U+FFFD, as in Go
  REQUIRE(decode_lookup_identify(
      "{\"broadcast_address\":\"a\",\"hostname\":\"caf\xE9\",\"tcp_port\":1,"
      "\"http_port\":2,\"version\":\"v\"}",
      latin1, err));
  CHECK(latin1.hostname == "caf\xEF\xBF\xBD");

  lookup_peer dup; // keys equal but for case: the last in the document wins
  REQUIRE(decode_lookup_identify(
      R"({"broadcast_address":"a","tcp_port":1,"http_port":2,"version":"v1","VERSION":"v2"})",
      dup, err));
  CHECK(dup.version == "v2");

  const char* undecodable[] = {
      "",
      "{not json",
      "[1]",
      R"({"a":1} x)",
      R"({"broadcast_address":"a","tcp_port":5.5,"http_port":2,"version":"v"})",
      R"({"broadcast_address":"a","tcp_port":"1","http_port":2,"version":"v"})",
      R"({"broadcast_address":1})"};
  for (auto* body : undecodable) {
    INFO(body);
    lookup_peer r;
    CHECK_FALSE(decode_lookup_identify(body, r, err));
    CHECK(err == "E_BAD_BODY IDENTIFY failed to decode JSON body");
  }
  const char* missing[] = {
      "null", R"({"http_port":1})",
      R"({"broadcast_address":"a","tcp_port":1,"http_port":0,"version":"v"})"};
  for (auto* body : missing) {
    INFO(body);
    lookup_peer r;
    CHECK_FALSE(decode_lookup_identify(body, r, err));
    CHECK(err == "E_BAD_BODY IDENTIFY missing fields");
    CHECK(err.size() == 0x22);
  }
}

TEST_CASE("IDENTIFY answer layout", "[lookupd][commands]") {
  auto a = lookup_identify_answer("vm", "vm", 44161, 44160);
  CHECK(
      a ==
      R"({"broadcast_address":"vm","hostname":"vm","http_port":44161,"tcp_port":44160,"version":"1.3.0"})");
  CHECK(a.size() == 0x5f);
}
