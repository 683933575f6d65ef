#include "protocol/lookup_client_codec.hpp"

#include <catch2/catch.hpp>

using namespace nsq;
using namespace std::string_literals;

TEST_CASE("lookup client: magic and IDENTIFY as nsqd writes them (§20.7)") {
  CHECK(lookup_client_magic() == "  V1");
  lookup_client_identity id{"bcast.example", "vm", 44151, 44150};
  auto body =
      R"({"broadcast_address":"bcast.example","hostname":"vm","http_port":44151,"tcp_port":44150,"version":"1.3.0"})"s;
  REQUIRE(body.size() == 0x6a);
  CHECK(encode_lookup_identify(id) == "IDENTIFY\n\x00\x00\x00\x6a"s + body);
}

TEST_CASE("lookup client: IDENTIFY escapes strings like Go's json.Marshal") {
  lookup_client_identity id{"a<b", "h\"x", 1, 2};
  auto out = encode_lookup_identify(id);
  CHECK(out.find(R"("broadcast_address":"a\u003cb")") != std::string::npos);
  CHECK(out.find(R"("hostname":"h\"x")") != std::string::npos);
}

TEST_CASE("lookup client: commands and their log texts") {
  CHECK(encode_lookup_command({lookup_op::ping, {}, {}}) == "PING\n");
  CHECK(encode_lookup_command({lookup_op::register_, "lk", {}}) == "REGISTER lk\n");
  CHECK(encode_lookup_command({lookup_op::register_, "lk", "c1"}) == "REGISTER lk c1\n");
  CHECK(encode_lookup_command({lookup_op::unregister, "lk", "c1"}) ==
        "UNREGISTER lk c1\n");
  CHECK(encode_lookup_command({lookup_op::unregister, "lk", {}}) == "UNREGISTER lk\n");
  CHECK(encode_lookup_command({lookup_op::connect_only, {}, {}}).empty());
  CHECK(lookup_command_text({lookup_op::register_, "t#ephemeral", "c#ephemeral"}) ==
        "REGISTER t#ephemeral c#ephemeral");
  CHECK(lookup_command_text({lookup_op::ping, {}, {}}) == "PING");
}

TEST_CASE("lookup client: answer size bounded by --max-body-size") {
  uint32_t size = 0;
  const unsigned char ok[4] = {0, 0, 0, 2};
  CHECK(decode_lookup_response_size(ok, 100, size).empty());
  CHECK(size == 2);
  const unsigned char big[4] = {0, 0, 1, 0};
  CHECK(decode_lookup_response_size(big, 100, size) ==
        "response body size (256) is greater than limit (100)");
  const unsigned char at_limit[4] = {0, 0, 0, 100};
  CHECK(decode_lookup_response_size(at_limit, 100, size).empty());
  const unsigned char negative[4] = {0xff, 0xff, 0xff, 0xff};
  CHECK_FALSE(decode_lookup_response_size(negative, 100, size).empty());
}

TEST_CASE("lookup client: IDENTIFY answer parsed like Go's json.Unmarshal") {
  lookupd_peer_info info;
  REQUIRE(parse_lookupd_peer_info(
      R"({"broadcast_address":"vm","hostname":"vm","http_port":44161,"tcp_port":44160,"version":"1.3.0"})",
      info));
  CHECK(info.broadcast_address == "vm");
  CHECK(info.http_port == 44161);
  CHECK(info.tcp_port == 44160);
  CHECK(format_lookupd_peer_info(info) ==
        "{TCPPort:44160 HTTPPort:44161 Version:1.3.0 BroadcastAddress:vm}");
  CHECK(lookupd_http_address(info) == "vm:44161");

  lookupd_peer_info upper;
  REQUIRE(parse_lookupd_peer_info(R"({"BROADCAST_ADDRESS":"x","HTTP_PORT":1})", upper));
  CHECK(upper.broadcast_address == "x");
  CHECK(upper.http_port == 1);

  lookupd_peer_info bad;
  CHECK_FALSE(parse_lookupd_peer_info("E_INVALID", bad));
  CHECK_FALSE(parse_lookupd_peer_info("OK", bad));
  CHECK_FALSE(parse_lookupd_peer_info(R"({"http_port":"1"})", bad));
  CHECK_FALSE(parse_lookupd_peer_info("[1]", bad));

  lookupd_peer_info none;
  REQUIRE(parse_lookupd_peer_info("{}", none));
  CHECK(lookupd_http_address(none).empty());
  lookupd_peer_info v6{0, 4161, "", "::1"};
  CHECK(lookupd_http_address(v6) == "[::1]:4161");
}

TEST_CASE("lookup client: /channels query and answer") {
  CHECK(lookupd_channels_url("127.0.0.1:4161", "lk2") ==
        "http://127.0.0.1:4161/channels?topic=lk2");
  CHECK(lookupd_channels_url("h:1", "t#ephemeral") ==
        "http://h:1/channels?topic=t%23ephemeral");
  auto chans = parse_lookupd_channels(R"({"channels":["pre1","pre2#ephemeral"]})");
  REQUIRE(chans);
  CHECK(*chans == std::vector<std::string>{"pre1", "pre2#ephemeral"});
  CHECK(parse_lookupd_channels(R"({"channels":[]})")->empty());
  CHECK_FALSE(parse_lookupd_channels("not json"));
  CHECK_FALSE(parse_lookupd_channels(R"({"channels":[1]})"));
}

TEST_CASE("lookup client: PUT /config/nsqlookupd_tcp_addresses bodies") {
  auto list = parse_lookupd_address_list(R"(["127.0.0.1:4160","h:4160"])");
  REQUIRE(list);
  CHECK(list->size() == 2);
  CHECK(render_lookupd_address_list(*list) == R"(["127.0.0.1:4160","h:4160"])");
  CHECK(render_lookupd_address_list({}) == "[]");
  CHECK(parse_lookupd_address_list("[]")->empty());
  CHECK_FALSE(parse_lookupd_address_list("127.0.0.1:4160"));
  CHECK_FALSE(parse_lookupd_address_list("[1]"));
  CHECK_FALSE(parse_lookupd_address_list(R"({"a":1})"));
}
