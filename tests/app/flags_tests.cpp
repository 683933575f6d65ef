// Every nsqd v1.3.0 flag (reference §14.2) in the four spellings Go's flag
// package accepts, and the values each kind refuses.

#include "app/hostname.hpp"
#include "app/option_table.hpp"
#include "app/options.hpp"
#include "protocol/node_id.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <functional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace {

using nsq::options_outcome;
using nsq::settings;
using namespace std::chrono_literals;

/// One non-boolean flag, a valid value and where it must land.
struct valued_flag {
  const char* name;
  const char* value;
  std::function<bool(const settings&)> landed;
};

/// One Go boolean flag; `field` is null for deprecated no-ops.
struct bool_flag {
  const char* name;
  bool settings::*field;
};

const std::vector<valued_flag>& valued_flags() {
  using v = std::vector<std::string>;
  static const std::vector<valued_flag> flags = {
      {"log-level", "DEBUG", [](auto& s) { return s.log_level == "debug"; }},
      {"log-prefix", "[x] ", [](auto& s) { return s.log_prefix == "[x] "; }},
      {"node-id", "77", [](auto& s) { return s.node_id == 77; }},
      {"https-address", "127.0.0.1:1",
       [](auto& s) { return s.https_address == "127.0.0.1:1"; }},
      {"http-address", "127.0.0.1:2",
       [](auto& s) { return s.http_address == "127.0.0.1:2"; }},
      {"tcp-address", "127.0.0.1:3",
       [](auto& s) { return s.tcp_address == "127.0.0.1:3"; }},
      {"auth-http-address", "127.0.0.1:4",
       [](auto& s) {
         return s.auth_http_addresses == v{"127.0.0.1:4"} && s.auth_required;
       }},
      {"broadcast-address", "node.example",
       [](auto& s) { return s.broadcast_address == "node.example"; }},
      {"broadcast-tcp-port", "4000",
       [](auto& s) { return s.broadcast_tcp_port == 4000; }},
      {"broadcast-http-port", "4001",
       [](auto& s) { return s.broadcast_http_port == 4001; }},
      {"lookupd-tcp-address", "127.0.0.1:4160",
       [](auto& s) { return s.lookupd_tcp_addresses == v{"127.0.0.1:4160"}; }},
      {"http-client-connect-timeout", "3s",
       [](auto& s) { return s.http_client_connect_timeout == 3s; }},
      {"http-client-request-timeout", "1m",
       [](auto& s) { return s.http_client_request_timeout == 60s; }},
      {"data-path", "/tmp/somewhere",
       [](auto& s) { return s.data_path == "/tmp/somewhere"; }},
      {"mem-queue-size", "5", [](auto& s) { return s.mem_queue_size == 5; }},
      {"max-bytes-per-file", "0x400",
       [](auto& s) { return s.max_bytes_per_file == 1024; }},
      {"sync-every", "7", [](auto& s) { return s.sync_every == 7; }},
      {"sync-timeout", "250ms", [](auto& s) { return s.sync_timeout == 250ms; }},
      {"queue-scan-worker-pool-max", "8",
       [](auto& s) { return s.queue_scan_worker_pool_max == 8; }},
      {"queue-scan-selection-count", "30",
       [](auto& s) { return s.queue_scan_selection_count == 30; }},
      {"msg-timeout", "1m30s", [](auto& s) { return s.msg_timeout == 90s; }},
      {"max-msg-timeout", "1h", [](auto& s) { return s.max_msg_timeout == 1h; }},
      {"max-msg-size", "2048", [](auto& s) { return s.max_msg_size == 2048; }},
      {"max-req-timeout", "2h", [](auto& s) { return s.max_req_timeout == 2h; }},
      {"max-body-size", "4096", [](auto& s) { return s.max_body_size == 4096; }},
      {"max-heartbeat-interval", "2m",
       [](auto& s) { return s.max_heartbeat_interval == 2min; }},
      {"max-rdy-count", "100", [](auto& s) { return s.max_rdy_count == 100; }},
      {"max-output-buffer-size", "1000",
       [](auto& s) { return s.max_output_buffer_size == 1000; }},
      {"max-output-buffer-timeout", "5s",
       [](auto& s) { return s.max_output_buffer_timeout == 5s; }},
      {"min-output-buffer-timeout", "10ms",
       [](auto& s) { return s.min_output_buffer_timeout == 10ms; }},
      {"output-buffer-timeout", "100ms",
       [](auto& s) { return s.output_buffer_timeout == 100ms; }},
      {"max-channel-consumers", "3",
       [](auto& s) { return s.max_channel_consumers == 3; }},
      {"statsd-address", "127.0.0.1:8125",
       [](auto& s) { return s.statsd_address == "127.0.0.1:8125"; }},
      {"statsd-interval", "10s", [](auto& s) { return s.statsd_interval == 10s; }},
      {"statsd-prefix", "x.%s", [](auto& s) { return s.statsd_prefix == "x.%s"; }},
      {"statsd-udp-packet-size", "1400",
       [](auto& s) { return s.statsd_udp_packet_size == 1400; }},
      {"e2e-processing-latency-percentile", "0.99",
       [](auto& s) {
         return s.e2e_processing_latency_percentiles == std::vector<double>{0.99};
       }},
      {"e2e-processing-latency-window-time", "5m",
       [](auto& s) { return s.e2e_processing_latency_window_time == 5min; }},
      {"tls-cert", "/c.pem", [](auto& s) { return s.tls_cert == "/c.pem"; }},
      {"tls-key", "/k.pem", [](auto& s) { return s.tls_key == "/k.pem"; }},
      {"tls-client-auth-policy", "require",
       [](auto& s) {
         return s.tls_client_auth_policy == "require" &&
                s.tls_required == settings::tls_policy::required;
       }},
      {"tls-root-ca-file", "/ca.pem",
       [](auto& s) { return s.tls_root_ca_file == "/ca.pem"; }},
      {"tls-min-version", "TLS1.2", [](auto& s) { return s.tls_min_version == 0x0303; }},
      {"max-deflate-level", "9", [](auto& s) { return s.max_deflate_level == 9; }},
      {"scheduler-threads", "1", [](auto& s) { return s.scheduler_threads == 1; }},
      // caf-nsqd's cluster flags (docs/cluster.md), not nsqd's.
      {"cluster-address", "127.0.0.1:4170",
       [](auto& s) { return s.cluster_address == "127.0.0.1:4170"; }},
      {"cluster-broadcast-address", "10.0.0.1:4170",
       [](auto& s) { return s.cluster_broadcast_address == "10.0.0.1:4170"; }},
      {"cluster-peer", "127.0.0.1:4171",
       [](auto& s) { return s.cluster_peers == v{"127.0.0.1:4171"}; }},
      {"cluster-timeout", "2s", [](auto& s) { return s.cluster_timeout == 2s; }},
      {"cluster-tls-cert", "/cc.pem",
       [](auto& s) { return s.cluster_tls_cert == "/cc.pem"; }},
      {"cluster-tls-key", "/ck.pem",
       [](auto& s) { return s.cluster_tls_key == "/ck.pem"; }},
      {"cluster-tls-ca", "/ca.pem",
       [](auto& s) { return s.cluster_tls_ca == "/ca.pem"; }},
  };
  return flags;
}

const std::vector<bool_flag>& bool_flags() {
  static const std::vector<bool_flag> flags = {
      {"verbose", nullptr},
      {"worker-id", nullptr},
      {"statsd-mem-stats", &settings::statsd_mem_stats},
      {"statsd-exclude-ephemeral", &settings::statsd_exclude_ephemeral},
      {"deflate", &settings::deflate_enabled},
      {"snappy", &settings::snappy_enabled},
  };
  return flags;
}

nsq::options_result parse(const std::vector<std::string>& args, settings& s) {
  return nsq::parse_options(args, s);
}

} // namespace

TEST_CASE("the test walks every flag of nsqd v1.3.0 - and so does the option table") {
  // 44 valued + 6 boolean + --tls-required + --version + --config = 53,
  // plus caf-nsqd's own --scheduler-threads and its 7 cluster flags.
  std::set<std::string> listed{"tls-required"};
  for (auto& f : valued_flags())
    listed.insert(f.name);
  for (auto& f : bool_flags())
    listed.insert(f.name);
  CHECK(listed.size() + 2 == 53 + 1 + 7);
  std::set<std::string> table;
  for (auto& spec : nsq::nsqd_options())
    table.insert(std::string{spec.flag});
  CHECK(table == listed);
}

TEST_CASE("every valued flag lands in settings in all four spellings") {
  for (auto& f : valued_flags()) {
    std::string name = f.name;
    const std::vector<std::vector<std::string>> spellings = {
        {"-" + name, f.value},
        {"-" + name + "=" + f.value},
        {"--" + name, f.value},
        {"--" + name + "=" + f.value}};
    for (auto& args : spellings) {
      INFO(args.front());
      settings s;
      auto result = parse(args, s);
      REQUIRE(result.outcome == options_outcome::run);
      CHECK(f.landed(s));
    }
  }
}

TEST_CASE("boolean flags take no separate argument - like Go's") {
  for (auto& f : bool_flags()) {
    std::string name = f.name;
    for (std::string dashes : {"-", "--"}) {
      INFO(dashes + name);
      settings on;
      REQUIRE(parse({dashes + name}, on).outcome == options_outcome::run);
      settings off;
      REQUIRE(parse({dashes + name + "=false"}, off).outcome == options_outcome::run);
      settings upper;
      REQUIRE(parse({dashes + name + "=T"}, upper).outcome == options_outcome::run);
      if (f.field != nullptr) {
        CHECK(on.*f.field);
        CHECK_FALSE(off.*f.field);
        CHECK(upper.*f.field);
      }
      settings s;
      // `-snappy false`: Go would stop parsing there and ignore the rest.
      CHECK(parse({dashes + name, "false"}, s).outcome == options_outcome::bad_flag);
    }
  }
}

TEST_CASE("tls-required is a boolean flag that also takes tcp-https") {
  using policy = settings::tls_policy;
  const std::vector<std::pair<std::string, policy>> cases = {
      {"-tls-required", policy::required},
      {"--tls-required", policy::required},
      {"-tls-required=false", policy::not_required},
      {"--tls-required=TCP-HTTPS", policy::tcp_https},
      {"--tls-required=true", policy::required}};
  for (auto& [arg, expected] : cases) {
    INFO(arg);
    settings s;
    REQUIRE(parse({arg}, s).outcome == options_outcome::run);
    CHECK(s.tls_required == expected);
  }
  settings s;
  CHECK(parse({"--tls-required=maybe"}, s).outcome == options_outcome::bad_flag);
}

TEST_CASE("worker-id is a boolean: worker-id=5 is a parse error") {
  settings s;
  auto result = parse({"--worker-id=5"}, s);
  CHECK(result.outcome == options_outcome::bad_flag);
  CHECK(result.message == "invalid value \"5\" for flag -worker-id: parse error");
  CHECK(nsq::exit_code(result.outcome) == 2);
}

TEST_CASE("defaults are nsqd's") {
  settings s;
  REQUIRE(parse({}, s).outcome == options_outcome::run);
  CHECK(s.tcp_address == "0.0.0.0:4150");
  CHECK(s.http_address == "0.0.0.0:4151");
  CHECK(s.https_address == "0.0.0.0:4152");
  CHECK(s.log_prefix == "[nsqd] ");
  CHECK(s.log_level == "info");
  CHECK(s.mem_queue_size == 10000);
  CHECK(s.msg_timeout == 60s);
  CHECK(s.statsd_prefix == "nsq.%s");
  CHECK(s.statsd_mem_stats);
  CHECK(s.tls_min_version == 0x0301);
  CHECK(s.node_id >= 0);
  CHECK(s.node_id < 1024);
}

TEST_CASE("the default node id is nsqd's without a cluster, per node with one") {
  settings plain, a, b, given;
  REQUIRE(parse({}, plain).outcome == options_outcome::run);
  CHECK(plain.node_id == nsq::node_id_for(nsq::os_hostname())); // byte-identical to nsqd
  // Two members on one host: same hostname, different ports.
  REQUIRE(parse({"--cluster-address=127.0.0.1:7001", "--tcp-address=127.0.0.1:4250"}, a)
              .outcome == options_outcome::run);
  REQUIRE(parse({"--cluster-address=127.0.0.1:7002", "--tcp-address=127.0.0.1:4260"}, b)
              .outcome == options_outcome::run);
  CHECK(a.node_id == nsq::cluster_node_id_for(nsq::os_hostname(), "127.0.0.1:4250", "",
                                              "127.0.0.1:7001"));
  CHECK(a.node_id != b.node_id);
  REQUIRE(parse({"--cluster-address=127.0.0.1:7001", "--node-id=5"}, given).outcome ==
          options_outcome::run);
  CHECK(given.node_id == 5); // a given id wins
}

TEST_CASE("the default scheduler threads are one fewer than the cores, at least 1") {
  settings plain, given;
  REQUIRE(parse({}, plain).outcome == options_outcome::run);
  auto cores = static_cast<int64_t>(std::thread::hardware_concurrency());
  CHECK(plain.scheduler_threads == std::clamp<int64_t>(cores - 1, 1, 64));
  CHECK(nsq::validate(plain).empty());
  REQUIRE(parse({"--scheduler-threads=3"}, given).outcome == options_outcome::run);
  CHECK(given.scheduler_threads == 3); // a given count wins
}

TEST_CASE("repeatable flags accumulate, other flags keep the last value") {
  settings s;
  REQUIRE(parse({"--lookupd-tcp-address=a:1", "-lookupd-tcp-address", "b:2",
                 "--auth-http-address=x:1", "--auth-http-address=http://y/auth",
                 "--e2e-processing-latency-percentile=0.5,0.99",
                 "--e2e-processing-latency-percentile", "1.0", "--mem-queue-size=1",
                 "--mem-queue-size=2"},
                s)
              .outcome == options_outcome::run);
  CHECK(s.lookupd_tcp_addresses == std::vector<std::string>{"a:1", "b:2"});
  CHECK(s.auth_http_addresses == std::vector<std::string>{"x:1", "http://y/auth"});
  CHECK(s.e2e_processing_latency_percentiles == std::vector<double>{1.0, 0.99, 0.5});
  CHECK(s.mem_queue_size == 2);
}

TEST_CASE("an empty value is valid for string flags - http-address= disables HTTP") {
  settings s;
  REQUIRE(parse({"--http-address="}, s).outcome == options_outcome::run);
  CHECK(s.http_address.empty());
}

TEST_CASE("invalid flag values are refused with Go's message") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--mem-queue-size=abc",
       "invalid value \"abc\" for flag -mem-queue-size: parse error"},
      {"--max-rdy-count=1.5",
       "invalid value \"1.5\" for flag -max-rdy-count: parse error"},
      {"--node-id=99999999999999999999",
       "invalid value \"99999999999999999999\" for flag -node-id: parse error"},
      {"--msg-timeout=abc", "invalid value \"abc\" for flag -msg-timeout: parse error"},
      {"--msg-timeout=5000", "invalid value \"5000\" for flag -msg-timeout: parse error"},
      {"--snappy=maybe", "invalid value \"maybe\" for flag -snappy: parse error"},
      {"--log-level=loud",
       "invalid value \"loud\" for flag -log-level: invalid log-level 'loud'"},
      {"--tls-min-version=tls9", "invalid value \"tls9\" for flag -tls-min-version: "
                                 "unknown tlsVersionOption \"tls9\""},
      {"--no-such-flag=1", "flag provided but not defined: -no-such-flag"},
  };
  for (auto& [arg, message] : cases) {
    INFO(arg);
    settings s;
    auto result = parse({arg}, s);
    CHECK(result.outcome == options_outcome::bad_flag);
    CHECK(result.message == message);
  }
  settings s;
  auto result = parse({"--e2e-processing-latency-percentile=0.5,x"}, s);
  CHECK(result.outcome == options_outcome::fatal);
  CHECK(result.message == "Could not parse: x");
}

TEST_CASE("range checks run at startup with nsqd's messages") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"--node-id=1024", "--node-id must be [0,1024)"},
      {"--node-id=-1", "--node-id must be [0,1024)"},
      {"--scheduler-threads=0", "--scheduler-threads must be [1,64]"},
      {"--scheduler-threads=65", "--scheduler-threads must be [1,64]"},
      {"--max-deflate-level=0", "--max-deflate-level must be [1,9]"},
      {"--max-deflate-level=10", "--max-deflate-level must be [1,9]"},
      {"--e2e-processing-latency-percentile=1.5",
       "invalid E2E processing latency percentile: 1.5"},
      {"--e2e-processing-latency-percentile=0",
       "invalid E2E processing latency percentile: 0"},
      {"--tls-required",
       "cannot require TLS client connections without TLS key and cert"},
  };
  for (auto& [arg, message] : cases) {
    INFO(arg);
    settings s;
    REQUIRE(parse({arg}, s).outcome == options_outcome::run);
    CHECK(nsq::validate(s) == message);
  }
  settings ok;
  REQUIRE(parse({"--node-id=1023", "--max-deflate-level=1", "--scheduler-threads=64",
                 "--e2e-processing-latency-percentile=1.0"},
                ok)
              .outcome == options_outcome::run);
  CHECK(nsq::validate(ok).empty());
}

TEST_CASE("the cluster flags are repeatable and come from the config file") {
  settings s;
  REQUIRE(parse({"-cluster-peer=a:1", "--cluster-peer", "b:2"}, s).outcome ==
          options_outcome::run);
  CHECK(s.cluster_peers == std::vector<std::string>{"a:1", "b:2"});
  CHECK(s.cluster_address.empty()); // off by default
  CHECK(s.cluster_timeout == 4s);
}

TEST_CASE("help and version") {
  settings s;
  auto help = parse({"-h"}, s);
  CHECK(help.outcome == options_outcome::help);
  CHECK(help.message.rfind("Usage of nsqd:\n", 0) == 0);
  CHECK(help.message.find("  -mem-queue-size int\n    \tnumber of messages to keep in "
                          "memory (per topic/channel) (default 10000)\n") !=
        std::string::npos);
  CHECK(help.message.find("  -tcp-address string\n") != std::string::npos);
  CHECK(help.message.find("(default \"0.0.0.0:4150\")") != std::string::npos);
  CHECK(help.message.find("  -msg-timeout duration\n") != std::string::npos);
  CHECK(help.message.find("(default 1m0s)") != std::string::npos);
  CHECK(help.message.find("  -snappy\n") != std::string::npos);
  CHECK(help.message.find("caf-nsqd has no queue scan loop") != std::string::npos);
  CHECK(parse({"--help"}, s).outcome == options_outcome::help);
  auto version = parse({"--version"}, s);
  CHECK(version.outcome == options_outcome::version);
  CHECK(version.message.rfind("nsqd v1.3.0", 0) == 0);
}

TEST_CASE("Go's flag syntax corner cases") {
  settings s;
  auto missing = parse({"--tcp-address"}, s);
  CHECK(missing.outcome == options_outcome::bad_flag);
  CHECK(missing.message == "flag needs an argument: -tcp-address");
  auto syntax = parse({"---tcp-address=x"}, s);
  CHECK(syntax.outcome == options_outcome::bad_flag);
  CHECK(syntax.message == "bad flag syntax: ---tcp-address=x");
  settings dash;
  REQUIRE(parse({"--broadcast-address", "-odd"}, dash).outcome == options_outcome::run);
  CHECK(dash.broadcast_address == "-odd"); // the next argument is taken as is
  settings end;
  CHECK(parse({"--"}, end).outcome == options_outcome::run);
  CHECK(parse({"--", "x"}, end).outcome == options_outcome::bad_flag);
  CHECK(parse({"stray"}, end).outcome == options_outcome::bad_flag);
}
