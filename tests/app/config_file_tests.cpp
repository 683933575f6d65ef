// --config: nsqd's TOML keys, §14.1's coercions, precedence flag > file >
// default, and errors that name the key.

#include "app/config_file.hpp"
#include "app/options.hpp"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

using nsq::options_outcome;
using nsq::settings;
using namespace std::chrono_literals;

/// A TOML file in /tmp, removed at the end of the test.
class temp_config {
public:
  explicit temp_config(const std::string& text) {
    char name[] = "/tmp/caf-nsqd-cfg-XXXXXX";
    int fd = ::mkstemp(name);
    REQUIRE(fd >= 0);
    ::close(fd);
    path_ = name;
    std::ofstream(path_) << text;
  }
  ~temp_config() { ::unlink(path_.c_str()); }
  std::string flag() const { return "--config=" + path_; }
  const std::string& path() const { return path_; }

private:
  std::string path_;
};

nsq::options_result parse_with(const std::string& toml, std::vector<std::string> args,
                               settings& s) {
  temp_config file{toml};
  args.insert(args.begin(), file.flag());
  return nsq::parse_options(args, s);
}

} // namespace

TEST_CASE("a config file alone sets every kind of option") {
  settings s;
  auto result = parse_with(R"(
log_level = "warn"
log_prefix = "[broker] "
id = 42
tcp_address = "127.0.0.1:5150"
http_address = ""
nsqlookupd_tcp_addresses = ["10.0.0.1:4160", "10.0.0.2:4160"]
auth_http_addresses = "a:1,b:2"
mem_queue_size = "500"
msg_timeout = "90s"
max_req_timeout = 120000
statsd_mem_stats = false
statsd_exclude_ephemeral = "true"
e2e_processing_latency_percentiles = [1.0, 0.99, 0.95]
tls_required = "tcp-https"
tls_min_version = "tls1.2"
deflate = false
max_deflate_level = 3
queue_scan_worker_pool_max = 2
verbose = false
)",
                           {}, s);
  REQUIRE(result.outcome == options_outcome::run);
  CHECK(s.log_level == "warn");
  CHECK(s.log_prefix == "[broker] ");
  CHECK(s.node_id == 42);
  CHECK(s.tcp_address == "127.0.0.1:5150");
  CHECK(s.http_address.empty());
  CHECK(s.lookupd_tcp_addresses ==
        std::vector<std::string>{"10.0.0.1:4160", "10.0.0.2:4160"});
  CHECK(s.auth_http_addresses == std::vector<std::string>{"a:1", "b:2"});
  CHECK(s.auth_required);
  CHECK(s.mem_queue_size == 500);
  CHECK(s.msg_timeout == 90s);
  CHECK(s.max_req_timeout == 120s); // an integer is milliseconds
  CHECK_FALSE(s.statsd_mem_stats);
  CHECK(s.statsd_exclude_ephemeral);
  CHECK(s.e2e_processing_latency_percentiles == std::vector<double>{1.0, 0.99, 0.95});
  CHECK(s.tls_required == settings::tls_policy::tcp_https);
  CHECK(s.tls_min_version == 0x0303);
  CHECK_FALSE(s.deflate_enabled);
  CHECK(s.max_deflate_level == 3);
  CHECK(s.queue_scan_worker_pool_max == 2);
}

TEST_CASE(
    "flags given on the command line override the file; the file overrides defaults") {
  settings s;
  auto result = parse_with("mem_queue_size = 500\nmsg_timeout = \"90s\"\n"
                           "nsqlookupd_tcp_addresses = [\"a:1\"]\nsnappy = false\n",
                           {"--mem-queue-size=7", "--lookupd-tcp-address=b:2",
                            "--lookupd-tcp-address=c:3", "--snappy"},
                           s);
  REQUIRE(result.outcome == options_outcome::run);
  CHECK(s.mem_queue_size == 7);      // flag
  CHECK(s.msg_timeout == 90s);       // file
  CHECK(s.max_msg_timeout == 15min); // default
  CHECK(s.lookupd_tcp_addresses ==
        std::vector<std::string>{"b:2", "c:3"}); // flags replace
  CHECK(s.snappy_enabled);
}

TEST_CASE("the cluster options come from the config file too") {
  settings s;
  auto result = parse_with(R"(
cluster_address = "127.0.0.1:4170"
cluster_broadcast_address = "10.0.0.1:4170"
cluster_peer = ["127.0.0.1:4171", "127.0.0.1:4172"]
cluster_timeout = "2s"
cluster_tls_cert = "/c.pem"
cluster_tls_key = "/k.pem"
cluster_tls_ca = "/ca.pem"
)",
                           {}, s);
  REQUIRE(result.outcome == options_outcome::run);
  CHECK(s.cluster_address == "127.0.0.1:4170");
  CHECK(s.cluster_broadcast_address == "10.0.0.1:4170");
  CHECK(s.cluster_peers == std::vector<std::string>{"127.0.0.1:4171", "127.0.0.1:4172"});
  CHECK(s.cluster_timeout == 2s);
  CHECK(s.cluster_tls_cert == "/c.pem");
  CHECK(s.cluster_tls_key == "/k.pem");
  CHECK(s.cluster_tls_ca == "/ca.pem");
}

TEST_CASE("scheduler_threads from the file replaces the derived default") {
  settings s;
  REQUIRE(parse_with("scheduler_threads = 5\n", {}, s).outcome == options_outcome::run);
  CHECK(s.scheduler_threads == 5);
}

TEST_CASE("flags alone - without a file") {
  settings s;
  REQUIRE(nsq::parse_options({"--mem-queue-size=3"}, s).outcome == options_outcome::run);
  CHECK(s.mem_queue_size == 3);
}

TEST_CASE("list coercions: array - comma-separated string - empty string") {
  settings s;
  REQUIRE(parse_with("nsqlookupd_tcp_addresses = \"a:1,b:2\"\n"
                     "e2e_processing_latency_percentiles = \"0.5,0.75\"\n",
                     {}, s)
              .outcome == options_outcome::run);
  CHECK(s.lookupd_tcp_addresses == std::vector<std::string>{"a:1", "b:2"});
  CHECK(s.e2e_processing_latency_percentiles == std::vector<double>{0.5, 0.75});
  settings empty;
  REQUIRE(parse_with("nsqlookupd_tcp_addresses = \"\"\n", {}, empty).outcome ==
          options_outcome::run);
  CHECK(empty.lookupd_tcp_addresses.empty());
  settings ints;
  REQUIRE(
      parse_with("e2e_processing_latency_percentiles = [1, 0.5]\n", {}, ints).outcome ==
      options_outcome::run);
  CHECK(ints.e2e_processing_latency_percentiles == std::vector<double>{1.0, 0.5});
}

TEST_CASE("bad config files stop the start with a message naming the key") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"mem_queu_size = 5\n", "unknown key \"mem_queu_size\""},
      {"log-level = \"debug\"\n", "unknown key \"log-level\""},
      {"mem_queue_size = \"lots\"\n",
       "failed parsing mem_queue_size \"lots\" - expected an integer"},
      {"mem_queue_size = 1.5\n",
       "failed parsing mem_queue_size 1.5 - expected an integer"},
      {"msg_timeout = \"soon\"\n",
       "failed parsing msg_timeout \"soon\" - expected a duration"},
      {"msg_timeout = \"5000\"\n", "failed parsing msg_timeout \"5000\""},
      {"msg_timeout = true\n", "failed parsing msg_timeout true"},
      {"snappy = \"maybe\"\n", "failed parsing snappy \"maybe\" - expected a boolean"},
      {"snappy = 1\n", "failed parsing snappy 1 - expected a boolean"},
      {"tcp_address = 4150\n", "failed parsing tcp_address 4150 - expected a string"},
      {"nsqlookupd_tcp_addresses = [1, 2]\n", "failed parsing nsqlookupd_tcp_addresses"},
      {"e2e_processing_latency_percentiles = [\"x\"]\n",
       "failed parsing e2e_processing_latency_percentiles"},
      {"tls_required = \"maybe\"\n", "failed parsing tls_required maybe"},
      {"tls_min_version = \"tls9\"\n", "failed parsing tls_min_version tls9"},
      {"log_level = \"loud\"\n", "failed parsing log_level loud"},
      {"mem_queue_size = \n", "failed to load config file"},
  };
  for (auto& [toml, message] : cases) {
    INFO(toml);
    settings s;
    auto result = parse_with(toml, {}, s);
    CHECK(result.outcome == options_outcome::fatal);
    CHECK(nsq::exit_code(result.outcome) == 1);
    CHECK(result.message.find(message) != std::string::npos);
  }
}

TEST_CASE("a missing config file is fatal") {
  settings s;
  auto result = nsq::parse_options({"--config=/nonexistent/nsqd.cfg"}, s);
  CHECK(result.outcome == options_outcome::fatal);
  CHECK(result.message.rfind("failed to load config file /nonexistent/nsqd.cfg - open ",
                             0) == 0);
}

TEST_CASE("percentiles from the file are range-checked at startup") {
  settings s;
  REQUIRE(parse_with("e2e_processing_latency_percentiles = [99.0]\n", {}, s).outcome ==
          options_outcome::run);
  CHECK(nsq::validate(s) == "invalid E2E processing latency percentile: 99");
}

TEST_CASE("tls_required from the file accepts a boolean or tcp-https and "
          "a client auth policy implies it") {
  settings s;
  REQUIRE(parse_with("tls_required = true\n", {}, s).outcome == options_outcome::run);
  CHECK(s.tls_required == settings::tls_policy::required);
  settings policy;
  REQUIRE(
      parse_with("tls_client_auth_policy = \"require-verify\"\n", {}, policy).outcome ==
      options_outcome::run);
  CHECK(policy.tls_required == settings::tls_policy::required);
  settings dflt;
  REQUIRE(parse_with("tls_min_version = \"\"\n", {}, dflt).outcome ==
          options_outcome::run);
  CHECK(dflt.tls_min_version == 0x0301);
}

TEST_CASE("config_file can be reused on its own: typed reads and unknown keys") {
  std::string err;
  auto file = nsq::config_file::parse("a = 1\nb = \"x,y\"\nc = \"2s\"\n", "inline", err);
  REQUIRE(file);
  int64_t a = 0;
  std::vector<std::string> b;
  std::chrono::milliseconds c{};
  CHECK(file->read("a", a).empty());
  CHECK(file->read("b", b).empty());
  CHECK(file->read("c", c).empty());
  CHECK(a == 1);
  CHECK(b == std::vector<std::string>{"x", "y"});
  CHECK(c == 2s);
  int64_t absent = 9;
  CHECK(file->read("absent", absent).empty());
  CHECK(absent == 9);
  CHECK(file->unknown_keys().empty());
  auto other = nsq::config_file::parse("z = 1\n", "inline", err);
  REQUIRE(other);
  CHECK(other->unknown_keys() == std::vector<std::string>{"z"});
}

TEST_CASE("the sample caf-nsqd.cfg.example loads without errors") {
  settings s;
  auto result = nsq::parse_options({"--config=" CAF_NSQD_CFG_EXAMPLE}, s);
  INFO(result.message);
  REQUIRE(result.outcome == options_outcome::run);
  CHECK(s.lookupd_tcp_addresses == std::vector<std::string>{"127.0.0.1:4160"});
  CHECK(nsq::validate(s).empty());
}
