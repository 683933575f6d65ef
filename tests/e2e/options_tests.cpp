// The real binary with --config files (exit code and message), flags over
// the file, --log-prefix, and a stderr nobody reads.
#include "e2e/nsqd_process.hpp"
#include "e2e/raw_client.hpp"

#include <csignal>
#include <fcntl.h>
#include <fstream>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

using namespace e2e;

namespace {

/// A TOML file in /tmp, removed at the end of the test.
class config_path {
public:
  explicit config_path(const std::string& text) {
    char name[] = "/tmp/caf-nsqd-e2e-cfg-XXXXXX";
    int fd = ::mkstemp(name);
    REQUIRE(fd >= 0);
    ::close(fd);
    path_ = name;
    std::ofstream(path_) << text;
  }
  ~config_path() { ::unlink(path_.c_str()); }
  std::string flag() const { return "--config=" + path_; }

private:
  std::string path_;
};

/// Runs the binary until it exits; returns its exit code and stderr.
std::pair<int, std::string> run_to_exit(std::vector<std::string> args) {
  args.insert(args.begin(),
              {NSQD_BINARY, "--tcp-address=127.0.0.1:0", "--http-address=127.0.0.1:0"});
  subprocess proc(args, subprocess::stream::err);
  auto code = proc.wait_exit(5s);
  REQUIRE(code.has_value());
  proc.wait_for([](const std::string&) { return false; }, 1s); // until EOF
  return {*code, proc.text()};
}

/// Publishes a body of `size` bytes and returns the answer frame's data.
std::string publish_answer(uint16_t port, size_t size) {
  raw_client c{port};
  c.send(pub("sized", std::string(size, 'x')));
  return c.read_non_heartbeat().data;
}

} // namespace

TEST_CASE("config file errors exit 1 with a FATAL line naming the key") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"mem_queu_size = 5\n", "unknown key \"mem_queu_size\""},
      {"mem_queue_size = \"lots\"\n",
       "FATAL: failed parsing mem_queue_size \"lots\" - expected an integer"},
      {"msg_timeout = \"soon\"\n", "FATAL: failed parsing msg_timeout \"soon\""},
      {"tls_required = \"maybe\"\n", "FATAL: failed parsing tls_required maybe"},
      {"snappy = [1]\n", "FATAL: failed parsing snappy [ 1 ]"},
  };
  for (auto& [toml, message] : cases) {
    INFO(toml);
    config_path file{toml};
    auto [code, log] = run_to_exit({file.flag()});
    CHECK(code == 1);
    CHECK(log.find(message) != std::string::npos);
    CHECK(log.find("TCP: listening on") == std::string::npos);
  }
}

TEST_CASE("a bad flag exits 2 with Go's message and the usage") {
  auto [code, log] = run_to_exit({"--worker-id=5"});
  CHECK(code == 2);
  CHECK(
      log.rfind("invalid value \"5\" for flag -worker-id: parse error\nUsage of nsqd:\n",
                0) == 0);
}

TEST_CASE("help prints Go's usage on stderr and exits 0") {
  auto [code, log] = run_to_exit({"-help"});
  CHECK(code == 0);
  CHECK(log.rfind("Usage of nsqd:\n  -auth-http-address value\n", 0) == 0);
}

TEST_CASE("a range error from the file is fatal at startup") {
  config_path file{"e2e_processing_latency_percentiles = [1.5]\n"};
  auto [code, log] = run_to_exit({file.flag()});
  CHECK(code == 1);
  CHECK(log.find("FATAL: failed to instantiate nsqd - invalid E2E processing latency "
                 "percentile: 1.5") != std::string::npos);
}

TEST_CASE("the config file sets options and a flag on the command line wins") {
  config_path file{"max_msg_size = 10\nlog_prefix = \"[from-file] \"\n"};
  {
    nsqd_process nsqd{{file.flag()}};
    CHECK(publish_answer(nsqd.port(), 10) == "OK");
    CHECK(publish_answer(nsqd.port(), 11).rfind("E_BAD_MESSAGE", 0) == 0);
    CHECK(nsqd.log().rfind("[from-file] ", 0) == 0);
  }
  nsqd_process nsqd{{file.flag(), "--max-msg-size=100", "--log-prefix=[flag] "}};
  CHECK(publish_answer(nsqd.port(), 11) == "OK");
  CHECK(nsqd.log().rfind("[flag] ", 0) == 0);
  CHECK(nsqd.log().find("[from-file]") == std::string::npos);
}

TEST_CASE("topic and channel events are logged with nsqd's texts") {
  nsqd_process nsqd;
  {
    auto consumer = subscriber(nsqd.port(), "events", "ch", 1);
    publish(nsqd.port(), "events", {"x"});
    consumer.read_message();
  }
  auto log = [&] { return nsqd.log(); };
  auto has = [&](const std::string& text) {
    for (int i = 0; i < 100 && log().find(text) == std::string::npos; ++i)
      std::this_thread::sleep_for(20ms);
    return log().find(text) != std::string::npos;
  };
  CHECK(has("INFO: TOPIC(events): created\n"));
  CHECK(has("INFO: TOPIC(events): new channel(ch)\n"));
  CHECK(has("INFO: TCP: new client(127.0.0.1:"));
  CHECK(has("): desired protocol magic '  V2'\n"));
  CHECK(has("] exiting ioloop\n"));
  nsqd.stop();
  CHECK(log().find("INFO: TOPIC(events): closing\n") != std::string::npos);
}

/// The server with its stderr on a pipe this test reads only when it asks
/// to (subprocess drains its pipe all the time, which would hide the problem).
class unread_server {
public:
  explicit unread_server(std::vector<std::string> flags) {
    int fds[2];
    REQUIRE(::pipe2(fds, O_CLOEXEC) == 0);
    std::vector<std::string> argv = {NSQD_BINARY, "--tcp-address=127.0.0.1:0",
                                     "--http-address=", "--data-path=" + dir_.path()};
    argv.insert(argv.end(), flags.begin(), flags.end());
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, fds[1], 2);
    std::vector<char*> args;
    for (auto& a : argv)
      args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    REQUIRE(::posix_spawn(&pid_, args[0], &actions, nullptr, args.data(), environ) == 0);
    posix_spawn_file_actions_destroy(&actions);
    ::close(fds[1]);
    fd_ = fds[0];
    static const std::string marker = "TCP: listening on 127.0.0.1:";
    while (log_.find('\n', log_.find(marker)) == std::string::npos)
      REQUIRE(read_some());
    port_ =
        static_cast<uint16_t>(std::stoul(log_.substr(log_.find(marker) + marker.size())));
  }
  ~unread_server() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(fd_);
  }

  uint16_t port() const { return port_; }

  /// Sends SIGTERM, reads stderr to EOF and returns the exit code.
  int stop_and_drain() {
    ::kill(pid_, SIGTERM);
    while (read_some()) {
    }
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

  const std::string& log() const { return log_; }

private:
  bool read_some() {
    char buf[4096];
    auto n = ::read(fd_, buf, sizeof(buf));
    if (n <= 0)
      return false;
    log_.append(buf, static_cast<size_t>(n));
    return true;
  }

  data_dir dir_;
  pid_t pid_ = -1;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::string log_;
};

TEST_CASE("a broker whose stderr nobody reads keeps serving and counts dropped lines") {
  unread_server nsqd{{"--log-level=debug"}};
  // ~3 lines per connection: the 64 KiB pipe fills after a few hundred, the
  // logger's queue (8192 lines) after a few thousand; nothing may stall.
  constexpr int connections = 3200;
  for (int i = 0; i < connections; ++i) {
    raw_client producer{nsqd.port()};
    producer.send(mpub("unread", {"a" + std::to_string(i), "b" + std::to_string(i)}));
    expect_ok(producer);
  }
  auto consumer = subscriber(nsqd.port(), "unread", "ch", 2500);
  for (int i = 0; i < 2 * connections; ++i) {
    auto m = consumer.read_message();
    consumer.send("FIN " + m.id + "\n");
  }
  CHECK(nsqd.stop_and_drain() == 0);
  CHECK(nsqd.log().find("WARNING: LOG: dropped ") != std::string::npos);
  CHECK(nsqd.log().find("INFO: bye\n") != std::string::npos); // flushed at exit
}

TEST_CASE("the scheduler-threads flag sets the number of CAF worker threads") {
  // Same flags but the worker count: the two processes differ by exactly
  // the extra workers once both have started every thread (some start just
  // after the listening line, so wait until the count holds for 300 ms).
  auto settled_threads = [](const nsqd_process& p) {
    long last = -1;
    int same = 0;
    for (int i = 0; i < 100 && same < 3; ++i) { // at most 10 s
      std::this_thread::sleep_for(100ms);
      long now = p.status_kb("Threads").value_or(0);
      same = now == last ? same + 1 : 0;
      last = now;
    }
    return last;
  };
  nsqd_process one{{"--scheduler-threads=1"}};
  nsqd_process five{{"--scheduler-threads=5"}};
  CHECK(settled_threads(five) - settled_threads(one) == 4);
  CHECK(publish_answer(one.port(), 10) == "OK");
}
