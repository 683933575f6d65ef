#include "protocol/identify.hpp"

#include <catch2/catch.hpp>

using namespace nsq;

namespace {

const std::string decode_failed = "E_BAD_BODY IDENTIFY failed to decode JSON body";

identify_request decode_ok(const std::string& json) {
  auto r = decode_identify(json);
  REQUIRE_FALSE(is_error(r));
  return std::get<identify_request>(r);
}

std::string decode_err(const std::string& json) {
  auto r = decode_identify(json);
  REQUIRE(is_error(r));
  CHECK(error_of(r).fatal);
  return error_of(r).wire();
}

std::optional<std::string> apply_json(const std::string& json, client_settings& out,
                                      const settings& cfg = settings{}) {
  auto err = apply_identify(decode_ok(json), cfg, out);
  if (!err)
    return std::nullopt;
  CHECK(err->fatal);
  return err->wire();
}

} // namespace

TEST_CASE("decode reads every field") {
  auto r = decode_ok(R"({"client_id":"cid","hostname":"hn","user_agent":"probe/1",
    "feature_negotiation":true,"heartbeat_interval":-1,"output_buffer_size":64,
    "output_buffer_timeout":25,"tls_v1":true,"snappy":true,"deflate":true,
    "deflate_level":9,"sample_rate":50,"msg_timeout":1000,"short_id":"x","long_id":1})");
  CHECK(r.client_id == "cid");
  CHECK(r.hostname == "hn");
  CHECK(r.user_agent == "probe/1");
  CHECK(r.feature_negotiation);
  CHECK(r.heartbeat_interval == -1);
  CHECK(r.output_buffer_size == 64);
  CHECK(r.output_buffer_timeout == 25);
  CHECK(r.tls_v1);
  CHECK(r.snappy);
  CHECK(r.deflate);
  CHECK(r.deflate_level == 9);
  CHECK(r.sample_rate == 50);
  CHECK(r.msg_timeout == 1000);
}

TEST_CASE("decode failures") {
  for (std::string bad :
       {"", "{", "not json", "[]", "\"str\"", "42", "true",
        R"({"heartbeat_interval":"1000"})", R"({"heartbeat_interval":1.5})",
        R"({"heartbeat_interval":1e3})", R"({"client_id":5})",
        R"({"feature_negotiation":"true"})", R"({"feature_negotiation":1})",
        R"({"sample_rate":2147483648})", R"({"msg_timeout":9223372036854775808})",
        R"({"tls_v1":{}})", R"({"user_agent":[]})", R"({} x)"}) {
    CAPTURE(bad);
    CHECK(decode_err(bad) == decode_failed);
  }
}

TEST_CASE("decode follows Go: null is a no-op, keys match case-insensitively") {
  auto r = decode_ok(R"({"client_id":null,"heartbeat_interval":null,"x":[1,{}]})");
  CHECK(r.client_id.empty());
  CHECK(r.heartbeat_interval == 0);
  CHECK(decode_ok("null").client_id.empty());
  CHECK(decode_ok(R"({"Feature_Negotiation":true})").feature_negotiation);
  CHECK(decode_ok(R"({"sample_rate":-2147483648})").sample_rate == -2147483648LL);
}

TEST_CASE("initial settings come from the config and the remote IP") {
  settings cfg;
  cfg.output_buffer_timeout = std::chrono::milliseconds(100);
  cfg.msg_timeout = std::chrono::milliseconds(5000);
  auto s = initial_client_settings(cfg, "10.0.0.1");
  CHECK(s.client_id == "10.0.0.1");
  CHECK(s.hostname == "10.0.0.1");
  CHECK(s.heartbeat_interval_ms == 30000);
  CHECK(s.output_buffer_size == 16384);
  CHECK(s.output_buffer_timeout_ms == 100);
  CHECK(s.msg_timeout_ms == 5000);
  CHECK(s.sample_rate == 0);
}

TEST_CASE("defaults give the observed response byte for byte") {
  settings cfg;
  auto s = initial_client_settings(cfg, "127.0.0.1");
  REQUIRE_FALSE(apply_json(R"({"feature_negotiation":true})", s));
  CHECK(
      encode_identify_response(s, cfg) ==
      R"({"max_rdy_count":2500,"version":"1.3.0","max_msg_timeout":900000,"msg_timeout":60000,"tls_v1":false,"deflate":false,"deflate_level":6,"max_deflate_level":6,"snappy":false,"sample_rate":0,"auth_required":false,"output_buffer_size":16384,"output_buffer_timeout":250})");
}

TEST_CASE("client_id, hostname and user_agent are overwritten unconditionally") {
  settings cfg;
  auto s = initial_client_settings(cfg, "127.0.0.1");
  REQUIRE_FALSE(apply_json("{}", s));
  CHECK(s.client_id.empty());
  CHECK(s.hostname.empty());
  // Stored even when a later field is invalid.
  auto t = initial_client_settings(cfg, "127.0.0.1");
  CHECK(apply_json(R"({"client_id":"c","heartbeat_interval":5})", t));
  CHECK(t.client_id == "c");
}

TEST_CASE("heartbeat interval") {
  settings cfg;
  auto s = initial_client_settings(cfg, "ip");
  REQUIRE_FALSE(apply_json(R"({"heartbeat_interval":-1})", s));
  CHECK(s.heartbeat_interval_ms == -1);
  s = initial_client_settings(cfg, "ip");
  REQUIRE_FALSE(apply_json(R"({"heartbeat_interval":0})", s));
  CHECK(s.heartbeat_interval_ms == 30000);
  REQUIRE_FALSE(apply_json(R"({"heartbeat_interval":1000})", s));
  CHECK(s.heartbeat_interval_ms == 1000);
  REQUIRE_FALSE(apply_json(R"({"heartbeat_interval":60000})", s));
  CHECK(s.heartbeat_interval_ms == 60000);
  CHECK(apply_json(R"({"heartbeat_interval":999})", s) ==
        "E_BAD_BODY IDENTIFY heartbeat interval (999) is invalid");
  CHECK(apply_json(R"({"heartbeat_interval":60001})", s) ==
        "E_BAD_BODY IDENTIFY heartbeat interval (60001) is invalid");
  CHECK(apply_json(R"({"heartbeat_interval":-2})", s) ==
        "E_BAD_BODY IDENTIFY heartbeat interval (-2) is invalid");
}

TEST_CASE("output buffer timeout and size") {
  settings cfg;
  auto s = initial_client_settings(cfg, "ip");
  REQUIRE_FALSE(apply_json(R"({"output_buffer_timeout":-1})", s));
  CHECK(s.output_buffer_timeout_ms == 0);
  s = initial_client_settings(cfg, "ip");
  REQUIRE_FALSE(
      apply_json(R"({"output_buffer_size":-1,"output_buffer_timeout":100})", s));
  CHECK(s.output_buffer_size == 1);
  CHECK(s.output_buffer_timeout_ms == 0);
  s = initial_client_settings(cfg, "ip");
  REQUIRE_FALSE(apply_json(R"({"output_buffer_size":64,"output_buffer_timeout":25})", s));
  CHECK(s.output_buffer_size == 64);
  CHECK(s.output_buffer_timeout_ms == 25);
  REQUIRE_FALSE(
      apply_json(R"({"output_buffer_size":65536,"output_buffer_timeout":30000})", s));
  CHECK(s.output_buffer_size == 65536);
  CHECK(s.output_buffer_timeout_ms == 30000);
  CHECK(apply_json(R"({"output_buffer_timeout":24})", s) ==
        "E_BAD_BODY IDENTIFY output buffer timeout (24) is invalid");
  CHECK(apply_json(R"({"output_buffer_timeout":30001})", s) ==
        "E_BAD_BODY IDENTIFY output buffer timeout (30001) is invalid");
  CHECK(apply_json(R"({"output_buffer_size":63})", s) ==
        "E_BAD_BODY IDENTIFY output buffer size (63) is invalid");
  CHECK(apply_json(R"({"output_buffer_size":65537})", s) ==
        "E_BAD_BODY IDENTIFY output buffer size (65537) is invalid");
}

TEST_CASE("sample rate and msg timeout") {
  settings cfg;
  auto s = initial_client_settings(cfg, "ip");
  REQUIRE_FALSE(apply_json(R"({"sample_rate":99,"msg_timeout":900000})", s));
  CHECK(s.sample_rate == 99);
  CHECK(s.msg_timeout_ms == 900000);
  REQUIRE_FALSE(apply_json(R"({"msg_timeout":0})", s));
  CHECK(s.msg_timeout_ms == 900000);
  CHECK(apply_json(R"({"sample_rate":100})", s) ==
        "E_BAD_BODY IDENTIFY sample rate (100) is invalid");
  CHECK(apply_json(R"({"sample_rate":-1})", s) ==
        "E_BAD_BODY IDENTIFY sample rate (-1) is invalid");
  CHECK(apply_json(R"({"msg_timeout":999})", s) ==
        "E_BAD_BODY IDENTIFY msg timeout (999) is invalid");
  CHECK(apply_json(R"({"msg_timeout":-1})", s) ==
        "E_BAD_BODY IDENTIFY msg timeout (-1) is invalid");
  CHECK(apply_json(R"({"msg_timeout":900001})", s) ==
        "E_BAD_BODY IDENTIFY msg timeout (900001) is invalid");
}

TEST_CASE("validation order: heartbeat, buffer timeout, buffer size, sample rate, msg "
          "timeout") {
  settings cfg;
  auto s = initial_client_settings(cfg, "ip");
  std::string all =
      R"("heartbeat_interval":1,"output_buffer_timeout":1,"output_buffer_size":1,"sample_rate":100,"msg_timeout":1)";
  CHECK(apply_json("{" + all + "}", s) ==
        "E_BAD_BODY IDENTIFY heartbeat interval (1) is invalid");
  CHECK(
      apply_json(
          R"({"output_buffer_timeout":1,"output_buffer_size":1,"sample_rate":100,"msg_timeout":1})",
          s) == "E_BAD_BODY IDENTIFY output buffer timeout (1) is invalid");
  CHECK(apply_json(R"({"output_buffer_size":1,"sample_rate":100,"msg_timeout":1})", s) ==
        "E_BAD_BODY IDENTIFY output buffer size (1) is invalid");
  CHECK(apply_json(R"({"sample_rate":100,"msg_timeout":1})", s) ==
        "E_BAD_BODY IDENTIFY sample rate (100) is invalid");
}

TEST_CASE("features are masked by what the server offers and by negotiation") {
  settings cfg;
  cfg.snappy_enabled = cfg.deflate_enabled = false; // a server offering nothing
  auto s = initial_client_settings(cfg, "ip");
  REQUIRE_FALSE(
      apply_json(R"({"feature_negotiation":true,"tls_v1":true,"snappy":true})", s, cfg));
  CHECK_FALSE(s.tls_v1);
  CHECK_FALSE(s.snappy);
  cfg.tls_available = cfg.snappy_enabled = cfg.deflate_enabled = true;
  REQUIRE_FALSE(apply_json(R"({"tls_v1":true,"snappy":true,"deflate":true})", s, cfg));
  CHECK_FALSE(s.tls_v1); // no feature_negotiation: plain OK, nothing upgraded
  CHECK_FALSE(s.snappy);
  CHECK_FALSE(s.deflate);
  REQUIRE_FALSE(
      apply_json(R"({"feature_negotiation":true,"tls_v1":true,"snappy":true})", s, cfg));
  CHECK(s.tls_v1);
  CHECK(s.snappy);
  CHECK_FALSE(s.deflate);
  CHECK(apply_json(R"({"feature_negotiation":true,"snappy":true,"deflate":true})", s,
                   cfg) ==
        "E_IDENTIFY_FAILED cannot enable both deflate and snappy compression");
  cfg.snappy_enabled = false;
  REQUIRE_FALSE(
      apply_json(R"({"feature_negotiation":true,"snappy":true,"deflate":true})", s, cfg));
  CHECK(s.deflate);
  CHECK_FALSE(s.snappy);
}

TEST_CASE("deflate level: client's when negotiated and > 0, else 6, capped at max") {
  settings cfg;
  cfg.deflate_enabled = true;
  auto s = initial_client_settings(cfg, "ip");
  REQUIRE_FALSE(apply_json(
      R"({"feature_negotiation":true,"deflate":true,"deflate_level":9})", s, cfg));
  CHECK(s.deflate_level == 6);
  cfg.max_deflate_level = 9;
  REQUIRE_FALSE(apply_json(
      R"({"feature_negotiation":true,"deflate":true,"deflate_level":9})", s, cfg));
  CHECK(s.deflate_level == 9);
  REQUIRE_FALSE(apply_json(
      R"({"feature_negotiation":true,"deflate":true,"deflate_level":-3})", s, cfg));
  CHECK(s.deflate_level == 6);
  REQUIRE_FALSE(apply_json(R"({"feature_negotiation":true,"deflate_level":2})", s, cfg));
  CHECK(s.deflate_level == 6); // not negotiated
  cfg.max_deflate_level = 3;
  REQUIRE_FALSE(apply_json(R"({"feature_negotiation":true})", s, cfg));
  CHECK(s.deflate_level == 3);
}

TEST_CASE("response reflects the negotiated settings in nsqd's key order") {
  settings cfg;
  cfg.deflate_enabled = true;
  cfg.auth_required = true;
  cfg.max_rdy_count = 100;
  auto s = initial_client_settings(cfg, "ip");
  REQUIRE_FALSE(
      apply_json(R"({"feature_negotiation":true,"deflate":true,"deflate_level":3,
      "sample_rate":7,"msg_timeout":2000,"output_buffer_size":-1})",
                 s, cfg));
  CHECK(
      encode_identify_response(s, cfg) ==
      R"({"max_rdy_count":100,"version":"1.3.0","max_msg_timeout":900000,"msg_timeout":2000,"tls_v1":false,"deflate":true,"deflate_level":3,"max_deflate_level":6,"snappy":false,"sample_rate":7,"auth_required":true,"output_buffer_size":1,"output_buffer_timeout":0})");
}
