#include "protocol/commands.hpp"

#include <catch2/catch.hpp>

using namespace nsq;

namespace {

command make(std::string name, std::vector<std::string> params, std::string body = "") {
  command cmd;
  cmd.name = std::move(name);
  cmd.params = std::move(params);
  cmd.body = std::move(body);
  return cmd;
}

template <class T> std::string wire_error(const checked<T>& x) {
  REQUIRE(is_error(x));
  CHECK(error_of(x).fatal);
  return error_of(x).wire();
}

std::string before_body(const command& cmd, const settings& cfg = settings{}) {
  auto err = check_before_body(cmd, cfg);
  REQUIRE(err);
  CHECK(err->fatal);
  return err->wire();
}

} // namespace

TEST_CASE("takes_body names exactly the five body verbs") {
  for (auto name : {"IDENTIFY", "AUTH", "PUB", "MPUB", "DPUB"})
    CHECK(takes_body(name));
  for (auto name : {"SUB", "RDY", "FIN", "REQ", "TOUCH", "CLS", "NOP", "pub", ""})
    CHECK_FALSE(takes_body(name));
}

TEST_CASE("parse_decimal") {
  CHECK(parse_decimal("") == uint64_t{0});
  CHECK(parse_decimal("0") == uint64_t{0});
  CHECK(parse_decimal("0042") == uint64_t{42});
  CHECK(parse_decimal("18446744073709551615") == UINT64_MAX);
  CHECK_FALSE(parse_decimal("18446744073709551616"));
  CHECK_FALSE(parse_decimal("-1"));
  CHECK_FALSE(parse_decimal("+1"));
  CHECK_FALSE(parse_decimal(" 1"));
  CHECK_FALSE(parse_decimal("1a"));
}

TEST_CASE("PUB errors") {
  settings cfg;
  CHECK(before_body(make("PUB", {})) ==
        "E_INVALID PUB insufficient number of parameters");
  CHECK(before_body(make("PUB", {"bad!topic"})) ==
        "E_BAD_TOPIC PUB topic name \"bad!topic\" is not valid");
  CHECK(before_body(make("PUB", {""})) == "E_BAD_TOPIC PUB topic name \"\" is not valid");
  CHECK_FALSE(check_before_body(make("PUB", {"t"}), cfg));
  CHECK(wire_error(parse_pub(make("PUB", {}), cfg)) ==
        "E_INVALID PUB insufficient number of parameters");
  CHECK(wire_error(parse_pub(make("PUB", {"a b"}), cfg)) ==
        "E_BAD_TOPIC PUB topic name \"a b\" is not valid");
}

TEST_CASE("PUB line errors come before the body error") {
  settings cfg;
  auto cmd = make("PUB", {"bad!"});
  cmd.body_error = fatal_error(codes::bad_message, "PUB invalid message body size 0");
  CHECK(wire_error(parse_pub(std::move(cmd), cfg)) ==
        "E_BAD_TOPIC PUB topic name \"bad!\" is not valid");
  auto ok_line = make("PUB", {"t"});
  ok_line.body_error = fatal_error(codes::bad_message, "PUB invalid message body size 0");
  CHECK(wire_error(parse_pub(std::move(ok_line), cfg)) ==
        "E_BAD_MESSAGE PUB invalid message body size 0");
}

TEST_CASE("PUB success moves topic and body, extra params ignored") {
  auto result = parse_pub(make("PUB", {"t#ephemeral", "junk"}, "hello"), settings{});
  REQUIRE_FALSE(is_error(result));
  auto& args = std::get<publish_args>(result);
  CHECK(args.topic == "t#ephemeral");
  CHECK(args.bodies.to_strings() == std::vector<std::string>{"hello"});
  CHECK(args.defer.count() == 0);
}

TEST_CASE("MPUB errors duplicate the topic code in the text") {
  settings cfg;
  CHECK(before_body(make("MPUB", {})) ==
        "E_INVALID MPUB insufficient number of parameters");
  auto err = check_before_body(make("MPUB", {"bad!topic"}), cfg);
  REQUIRE(err);
  CHECK(err->code == "E_BAD_TOPIC");
  CHECK(err->text == "E_BAD_TOPIC MPUB topic name \"bad!topic\" is not valid");
  CHECK(err->wire() ==
        "E_BAD_TOPIC E_BAD_TOPIC MPUB topic name \"bad!topic\" is not valid");
  auto cmd = make("MPUB", {"t"});
  cmd.body_error = fatal_error(codes::bad_body, "MPUB invalid message count 0");
  CHECK(wire_error(parse_mpub(std::move(cmd), cfg)) ==
        "E_BAD_BODY MPUB invalid message count 0");
}

TEST_CASE("MPUB success moves the messages") {
  auto cmd = make("MPUB", {"t"});
  cmd.messages = body_batch::of({"abc", "de"});
  auto result = parse_mpub(std::move(cmd), settings{});
  REQUIRE_FALSE(is_error(result));
  auto& args = std::get<publish_args>(result);
  CHECK(args.topic == "t");
  CHECK(args.bodies.to_strings() == std::vector<std::string>{"abc", "de"});
}

TEST_CASE("DPUB errors in nsqd's order") {
  settings cfg;
  CHECK(before_body(make("DPUB", {"t"})) ==
        "E_INVALID DPUB insufficient number of parameters");
  CHECK(before_body(make("DPUB", {"bad!topic", "x"})) ==
        "E_BAD_TOPIC DPUB topic name \"bad!topic\" is not valid");
  CHECK(before_body(make("DPUB", {"t", "-1"})) ==
        "E_INVALID DPUB could not parse timeout -1");
  CHECK(before_body(make("DPUB", {"t", "1.5"})) ==
        "E_INVALID DPUB could not parse timeout 1.5");
  CHECK(before_body(make("DPUB", {"t", "3600001"})) ==
        "E_INVALID DPUB timeout 3600001 out of range 0-3600000");
  CHECK(before_body(make("DPUB", {"t", "18446744073709551615"})) ==
        "E_INVALID DPUB timeout 18446744073709551615 out of range 0-3600000");
  cfg.max_req_timeout = std::chrono::milliseconds(5000);
  CHECK(before_body(make("DPUB", {"t", "5001"}), cfg) ==
        "E_INVALID DPUB timeout 5001 out of range 0-5000");
  CHECK_FALSE(check_before_body(make("DPUB", {"t", "5000"}), cfg));
}

TEST_CASE("DPUB success carries the deferral, 0 and empty allowed") {
  settings cfg;
  auto result = parse_dpub(make("DPUB", {"t", "3600000"}, "x"), cfg);
  REQUIRE_FALSE(is_error(result));
  CHECK(std::get<publish_args>(result).defer.count() == 3600000);
  CHECK(std::get<publish_args>(result).bodies.to_strings() ==
        std::vector<std::string>{"x"});
  auto zero = parse_dpub(make("DPUB", {"t", ""}, "x"), cfg);
  REQUIRE_FALSE(is_error(zero));
  CHECK(std::get<publish_args>(zero).defer.count() == 0);
  auto body_err = make("DPUB", {"t", "1"});
  body_err.body_error = fatal_error(codes::bad_message, "DPUB message too big 2 > 1");
  CHECK(wire_error(parse_dpub(std::move(body_err), cfg)) ==
        "E_BAD_MESSAGE DPUB message too big 2 > 1");
}

TEST_CASE(
    "AUTH requires exactly zero params before the body; IDENTIFY has no line check") {
  CHECK(before_body(make("AUTH", {""})) == "E_INVALID AUTH invalid number of parameters");
  CHECK(before_body(make("AUTH", {"x", "y"})) ==
        "E_INVALID AUTH invalid number of parameters");
  CHECK_FALSE(check_before_body(make("AUTH", {}), settings{}));
  CHECK_FALSE(check_before_body(make("IDENTIFY", {"junk"}), settings{}));
}

TEST_CASE("SUB errors") {
  CHECK(wire_error(parse_sub(make("SUB", {"t"}))) ==
        "E_INVALID SUB insufficient number of parameters");
  CHECK(wire_error(parse_sub(make("SUB", {"bad!topic", "c"}))) ==
        "E_BAD_TOPIC SUB topic name \"bad!topic\" is not valid");
  CHECK(wire_error(parse_sub(make("SUB", {"t", "bad\"ch"}))) ==
        "E_BAD_CHANNEL SUB channel name \"bad\\\"ch\" is not valid");
  CHECK(wire_error(parse_sub(make("SUB", {"t", ""}))) ==
        "E_BAD_CHANNEL SUB channel name \"\" is not valid");
  auto ok = parse_sub(make("SUB", {"t", "c#ephemeral", "junk"}));
  REQUIRE_FALSE(is_error(ok));
  CHECK(std::get<sub_args>(ok).topic == "t");
  CHECK(std::get<sub_args>(ok).channel == "c#ephemeral");
}

TEST_CASE("RDY counts") {
  settings cfg;
  auto rdy = [&](std::vector<std::string> params) {
    return parse_rdy(make("RDY", std::move(params)), cfg);
  };
  CHECK(std::get<int64_t>(rdy({})) == 1);
  CHECK(std::get<int64_t>(rdy({""})) == 0);
  CHECK(std::get<int64_t>(rdy({"0"})) == 0);
  CHECK(std::get<int64_t>(rdy({"2500"})) == 2500);
  CHECK(wire_error(rdy({"2501"})) == "E_INVALID RDY count 2501 out of range 0-2500");
  CHECK(wire_error(rdy({"-1"})) == "E_INVALID RDY could not parse count -1");
  CHECK(wire_error(rdy({"ten"})) == "E_INVALID RDY could not parse count ten");
  CHECK(wire_error(rdy({"9223372036854775808"})) ==
        "E_INVALID RDY count -9223372036854775808 out of range 0-2500");
  CHECK(wire_error(rdy({"18446744073709551615"})) ==
        "E_INVALID RDY count -1 out of range 0-2500");
  CHECK(wire_error(rdy({"18446744073709551616"})) ==
        "E_INVALID RDY could not parse count 18446744073709551616");
}

TEST_CASE("FIN and TOUCH errors") {
  CHECK(wire_error(parse_fin(make("FIN", {}))) ==
        "E_INVALID FIN insufficient number of params");
  CHECK(wire_error(parse_touch(make("TOUCH", {}))) ==
        "E_INVALID TOUCH insufficient number of params");
  CHECK(wire_error(parse_fin(make("FIN", {"0123456789abcde"}))) ==
        "E_INVALID invalid message ID");
  CHECK(wire_error(parse_touch(make("TOUCH", {"0123456789abcdef0"}))) ==
        "E_INVALID invalid message ID");
  auto id = parse_fin(make("FIN", {"0123456789abcdef", "junk"}));
  REQUIRE_FALSE(is_error(id));
  CHECK(to_string(std::get<message_id>(id)) == "0123456789abcdef");
  auto any = parse_touch(make("TOUCH", {"ZZZZZZZZZZZZZZZZ"}));
  REQUIRE_FALSE(is_error(any));
  // The parser's inline ID (no params) is the ID.
  auto inline_cmd = make("FIN", {});
  inline_cmd.id = make_message_id("fedcba9876543210");
  auto inline_id = parse_fin(inline_cmd);
  REQUIRE_FALSE(is_error(inline_id));
  CHECK(to_string(std::get<message_id>(inline_id)) == "fedcba9876543210");
}

TEST_CASE("REQ errors and clamping") {
  settings cfg;
  auto req = [&](std::vector<std::string> params) {
    return parse_req(make("REQ", std::move(params)), cfg);
  };
  CHECK(wire_error(req({"0123456789abcdef"})) ==
        "E_INVALID REQ insufficient number of params");
  CHECK(wire_error(req({"short", "1"})) == "E_INVALID invalid message ID");
  CHECK(wire_error(req({"0123456789abcdef", "-5"})) ==
        "E_INVALID REQ could not parse timeout -5");
  auto ok = req({"0123456789abcdef", "1500"});
  REQUIRE_FALSE(is_error(ok));
  CHECK(to_string(std::get<req_args>(ok).id) == "0123456789abcdef");
  CHECK(std::get<req_args>(ok).delay.count() == 1500);
  CHECK_FALSE(std::get<req_args>(ok).clamped);
  auto at_max = req({"0123456789abcdef", "3600000"});
  CHECK(std::get<req_args>(at_max).delay.count() == 3600000);
  CHECK_FALSE(std::get<req_args>(at_max).clamped);
  auto clamped = req({"0123456789abcdef", "3600001"});
  REQUIRE_FALSE(is_error(clamped));
  CHECK(std::get<req_args>(clamped).delay.count() == 3600000);
  CHECK(std::get<req_args>(clamped).clamped);
  auto empty = req({"0123456789abcdef", ""});
  CHECK(std::get<req_args>(empty).delay.count() == 0);
}
