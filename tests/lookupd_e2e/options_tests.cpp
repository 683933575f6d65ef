// Flags (four spellings, Go durations), --config TOML and startup failures
// (reference §11).

#include "e2e/http_client.hpp"
#include "lookupd_e2e/lookup_client.hpp"
#include "lookupd_e2e/lookupd_process.hpp"

#include <cstdio>
#include <fstream>
#include <unistd.h>

using namespace lookupd_e2e;

namespace {

/// A temporary TOML file, removed at the end.
class config_file {
public:
  explicit config_file(const std::string& text) {
    char name[] = "/tmp/caf-nsqlookupd-cfg-XXXXXX";
    int fd = ::mkstemp(name);
    REQUIRE(fd >= 0);
    ::close(fd);
    path_ = name;
    std::ofstream(path_) << text;
  }
  ~config_file() { std::remove(path_.c_str()); }
  std::string flag() const { return "--config=" + path_; }

private:
  std::string path_;
};

std::string identify_answer(const lookupd_process& d) {
  lookup_client c(d.tcp_port());
  REQUIRE(c.send("  V1" + identify(nsqd_body())));
  return c.frame().value_or("");
}

} // namespace

TEST_CASE("the version flag exits 0", "[lookupd_e2e][options]") {
  auto [code, text] = run_to_exit({"--version"});
  CHECK(code == 0);
}

TEST_CASE("flags in all four spellings", "[lookupd_e2e][options]") {
  for (auto flags :
       std::vector<std::vector<std::string>>{{"-broadcast-address", "b.example"},
                                             {"-broadcast-address=b.example"},
                                             {"--broadcast-address", "b.example"},
                                             {"--broadcast-address=b.example"}}) {
    lookupd_process d(flags);
    CHECK(identify_answer(d).rfind(R"({"broadcast_address":"b.example",)", 0) == 0);
  }
}

TEST_CASE("bad flag values exit 2", "[lookupd_e2e][options]") {
  auto [code, text] = run_to_exit({"--tombstone-lifetime=abc"});
  CHECK(code == 2);
  CHECK(text.find("invalid value \"abc\" for flag -tombstone-lifetime: parse error") !=
        std::string::npos);
  auto [code2, text2] = run_to_exit({"--log-level=loud"});
  CHECK(code2 == 2);
  CHECK(text2.find("invalid log level 'loud'") != std::string::npos);
  CHECK(run_to_exit({"--no-such-flag"}).first == 2);
}

TEST_CASE("config file values, overridden by flags", "[lookupd_e2e][options]") {
  config_file cfg("broadcast_address = \"cfg.example\"\n"
                  "tombstone_lifetime = 1500\n"
                  "inactive_producer_timeout = \"10s\"\n"
                  "log_prefix = \"[lk] \"\n"
                  "verbose = true\n");
  {
    lookupd_process d({cfg.flag()});
    CHECK(identify_answer(d).rfind(R"({"broadcast_address":"cfg.example",)", 0) == 0);
    CHECK(d.log().find("[lk] ") != std::string::npos);
  }
  lookupd_process d({cfg.flag(), "--broadcast-address=flag.example"});
  CHECK(identify_answer(d).rfind(R"({"broadcast_address":"flag.example",)", 0) == 0);
}

TEST_CASE("the sample config file starts the server", "[lookupd_e2e][options]") {
  lookupd_process d(
      {"--config=" CAF_NSQLOOKUPD_SOURCE_DIR "/caf-nsqlookupd.cfg.example"});
  CHECK(identify_answer(d).find("\"version\":\"1.3.0\"") != std::string::npos);
}

TEST_CASE("config file errors stop the start with exit 1", "[lookupd_e2e][options]") {
  struct row {
    std::string toml;
    std::string message;
  };
  const std::vector<row> rows = {
      {"no_such_key = 1\n", "unknown key no_such_key"},
      {"tcp_address = 4160\n", "tcp_address"},
      {"tombstone_lifetime = \"soon\"\n", "tombstone_lifetime"},
      {"inactive_producer_timeout = true\n", "inactive_producer_timeout"},
      {"log_level = \"loud\"\n", "failed parsing log_level loud"},
      {"this is not toml\n", "failed to load config file"},
  };
  for (auto& r : rows) {
    INFO(r.toml);
    config_file cfg(r.toml);
    auto [code, text] = run_to_exit(
        {cfg.flag(), "--tcp-address=127.0.0.1:0", "--http-address=127.0.0.1:0"});
    CHECK(code == 1);
    CHECK(text.find("FATAL") != std::string::npos);
    CHECK(text.find(r.message) != std::string::npos);
  }
  auto [code, text] = run_to_exit({"--config=/nonexistent/lookupd.cfg"});
  CHECK(code == 1);
  CHECK(text.find("[nsqlookupd] ") == 0);
  CHECK(text.find("failed to load config file /nonexistent/lookupd.cfg") !=
        std::string::npos);
}

TEST_CASE("a taken port stops the start with exit 1", "[lookupd_e2e][options]") {
  lookupd_process first;
  auto taken = "--tcp-address=127.0.0.1:" + std::to_string(first.tcp_port());
  auto [code, text] = run_to_exit({taken, "--http-address=127.0.0.1:0"});
  CHECK(code == 1);
  CHECK(text.find("FATAL: failed to instantiate nsqlookupd - listen (127.0.0.1:") !=
        std::string::npos);
}

TEST_CASE("SIGTERM shuts down cleanly with clients connected", "[lookupd_e2e][options]") {
  lookupd_process d;
  lookup_client c(d.tcp_port());
  REQUIRE(c.send("  V1" + identify(nsqd_body()) + "REGISTER t\n"));
  REQUIRE(c.frame());
  e2e::http_client h(d.http_port());
  REQUIRE(h.request("GET", "/ping").status == 200);
  CHECK(d.stop() == 0);
}
