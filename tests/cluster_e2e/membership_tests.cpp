// The cluster's membership with real caf-nsqd processes on loopback
// (docs/cluster.md): a mesh from a chain of --cluster-peer, a SIGKILLed and a
// SIGSTOPped member noticed by the others, a restarted member rejoining, and
// TLS (certificates made with the openssl CLI at test time): a mesh with
// valid certificates forms, a node with a certificate from another CA or
// without TLS is refused. Every wait is a bounded poll of GET /cluster.

#include "cluster_node.hpp"

#include <nlohmann/json.hpp>

#include <csignal>
#include <cstdlib>
#include <map>
#include <thread>

using namespace e2e;
using namespace cluster_e2e;
using namespace std::chrono_literals;
using state_map = std::map<std::string, std::string>; ///< cluster address → state

namespace {

/// Returns each member's state as the node behind `http_port` sees it.
state_map states(uint16_t http_port) {
  state_map out;
  auto view = get_json(http_port, "/cluster"); // the loop must not outlive it
  for (auto& m : view["members"])
    out[m["cluster_address"].get<std::string>()] = m["state"].get<std::string>();
  return out;
}

/// Polls until `want(states)` holds or `limit` passes; returns the last states.
/// The limit is generous: CI runs this under ASan on 2 busy cores.
state_map wait_states(uint16_t http_port,
                      const std::function<bool(const state_map&)>& want,
                      std::chrono::milliseconds limit = 30s) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    auto s = states(http_port);
    if (want(s))
      return s;
    if (std::chrono::steady_clock::now() >= deadline) {
      std::string seen;
      for (auto& [address, state] : s)
        seen += " " + address + "=" + state;
      WARN("node on HTTP port " << http_port << " sees:" << seen);
      return s;
    }
    std::this_thread::sleep_for(50ms);
  }
}

auto all_alive(std::vector<std::string> addresses) {
  return [addresses](const state_map& s) {
    if (s.size() != addresses.size())
      return false;
    for (auto& a : addresses)
      if (s.count(a) == 0 || s.at(a) != "alive")
        return false;
    return true;
  };
}

auto not_alive(std::string address) {
  return [address](const state_map& s) {
    return s.count(address) != 0 && s.at(address) != "alive";
  };
}

/// A throw-away directory with a CA and certificates it signed.
class cert_dir {
public:
  cert_dir() {
    char dir[] = "/tmp/caf-nsqd-certs-XXXXXX";
    REQUIRE(::mkdtemp(dir) != nullptr);
    path_ = dir;
  }
  ~cert_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }

  std::string file(const std::string& name) const { return path_ + "/" + name; }

  /// Makes `<name>.pem` and `<name>.key`, a self-signed CA.
  void make_ca(const std::string& name) {
    run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
        " -keyout " +
        file(name + ".key") + " -out " + file(name + ".pem") +
        " -days 2 -subj /CN=" + name);
  }

  /// Makes `<name>.pem` and `<name>.key` signed by CA `ca`.
  void make_cert(const std::string& name, const std::string& ca) {
    run("openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout " +
        file(name + ".key") + " -out " + file(name + ".csr") + " -subj /CN=" + name);
    run("openssl x509 -req -in " + file(name + ".csr") + " -CA " + file(ca + ".pem") +
        " -CAkey " + file(ca + ".key") + " -CAcreateserial -out " + file(name + ".pem") +
        " -days 2");
  }

  /// The --cluster-tls-* flags of certificate `name`, trusting CA `ca`.
  std::vector<std::string> flags(const std::string& name, const std::string& ca) const {
    return {"--cluster-tls-cert=" + file(name + ".pem"),
            "--cluster-tls-key=" + file(name + ".key"),
            "--cluster-tls-ca=" + file(ca + ".pem")};
  }

private:
  static void run(const std::string& cmd) {
    INFO(cmd);
    REQUIRE(std::system((cmd + " >/dev/null 2>&1").c_str()) == 0);
  }
  std::string path_;
};

std::vector<std::string> with(std::vector<std::string> a,
                              const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

} // namespace

// No ';' or ',' in test names: ctest's list and Catch's test spec split there.
TEST_CASE("three nodes form a mesh from a chain of peers - a killed one is noticed and "
          "rejoins after its restart",
          "[cluster]") {
  auto a = start_node({});
  auto ca = cluster_address(*a);
  data_dir b_dir;
  auto b = start_node({"--cluster-peer=" + ca}, &b_dir);
  auto cb = cluster_address(*b);
  auto c = start_node({"--cluster-peer=" + cb}); // C names only B
  auto cc = cluster_address(*c);
  INFO("A " << ca << " B " << cb << " C " << cc);
  CHECK(all_alive({cb, cc})(wait_states(a->http_port(), all_alive({cb, cc}))));
  CHECK(all_alive({ca, cc})(wait_states(b->http_port(), all_alive({ca, cc}))));
  CHECK(all_alive({ca, cb})(wait_states(c->http_port(), all_alive({ca, cb}))));

  // /cluster names this node too.
  auto self = get_json(a->http_port(), "/cluster")["self"];
  CHECK(self["cluster_address"] == ca);
  CHECK(self["tcp_port"] == a->port());
  CHECK(get_json(a->http_port(), "/cluster")["tls"] == false);
  // /stats JSON carries the same view.
  auto stats = get_json(a->http_port(), "/stats?format=json");
  REQUIRE(stats.contains("cluster"));
  CHECK(stats["cluster"]["members"].size() == 2);

  // SIGKILL B: A and C see it go within a few seconds.
  auto b_tcp = b->port();
  b->kill();
  CHECK(not_alive(cb)(wait_states(a->http_port(), not_alive(cb), 5s)));
  CHECK(not_alive(cb)(wait_states(c->http_port(), not_alive(cb), 5s)));

  // B comes back on the same ports and data: the others take it back.
  b = start_node({"--tcp-address=127.0.0.1:" + std::to_string(b_tcp),
                  "--cluster-address=" + cb, "--cluster-peer=" + ca},
                 &b_dir);
  CHECK(all_alive({cb, cc})(wait_states(a->http_port(), all_alive({cb, cc}))));
  CHECK(all_alive({ca, cb})(wait_states(c->http_port(), all_alive({ca, cb}))));
  CHECK(all_alive({ca, cc})(wait_states(b->http_port(), all_alive({ca, cc}))));
}

TEST_CASE("a frozen member is dropped after --cluster-timeout and taken back when it "
          "thaws",
          "[cluster]") {
  auto a = start_node({"--cluster-timeout=1s"});
  auto ca = cluster_address(*a);
  auto b = start_node({"--cluster-timeout=1s", "--cluster-peer=" + ca});
  auto cb = cluster_address(*b);
  REQUIRE(all_alive({cb})(wait_states(a->http_port(), all_alive({cb}))));
  ::kill(b->pid(), SIGSTOP);
  auto seen = wait_states(a->http_port(), not_alive(cb), 6s);
  ::kill(b->pid(), SIGCONT);
  CHECK(not_alive(cb)(seen));
  CHECK(all_alive({cb})(wait_states(a->http_port(), all_alive({cb}))));
  CHECK(all_alive({ca})(wait_states(b->http_port(), all_alive({ca}))));
}

TEST_CASE(
    "without --cluster-address there is no /cluster and /stats has no cluster field",
    "[cluster]") {
  nsqd_process plain;
  http_client h{plain.http_port()};
  CHECK(h.request("GET", "/cluster").status == 404);
  auto stats = get_json(plain.http_port(), "/stats?format=json");
  CHECK_FALSE(stats.contains("cluster"));
}

TEST_CASE("with TLS a mesh of valid certificates forms - another CA's certificate and a "
          "plain node are refused",
          "[cluster][tls]") {
  cert_dir certs;
  certs.make_ca("ca");
  certs.make_ca("other_ca");
  certs.make_cert("a", "ca");
  certs.make_cert("b", "ca");
  certs.make_cert("rogue", "other_ca");
  auto a = start_node(certs.flags("a", "ca"));
  auto ca = cluster_address(*a);
  auto b = start_node(with(certs.flags("b", "ca"), {"--cluster-peer=" + ca}));
  auto cb = cluster_address(*b);
  CHECK(all_alive({cb})(wait_states(a->http_port(), all_alive({cb}))));
  CHECK(all_alive({ca})(wait_states(b->http_port(), all_alive({ca}))));
  CHECK(get_json(a->http_port(), "/cluster")["tls"] == true);

  // The rogue trusts our CA, but its own certificate is from another one.
  // At debug level each refused attempt logs "cannot reach": wait for two
  // on each side instead of a fixed time.
  auto rogue = start_node(
      with(certs.flags("rogue", "ca"), {"--cluster-peer=" + ca, "--log-level=debug"}));
  auto plain = start_node({"--cluster-peer=" + ca, "--log-level=debug"});
  CHECK(rogue->log_count_reaches("CLUSTER: cannot reach " + ca, 2, 20s));
  CHECK(plain->log_count_reaches("CLUSTER: cannot reach " + ca, 2, 20s));
  // Only B, still alive: a failed handshake left OpenSSL errors that broke
  // every TLS connection of A's middleman (app/openssl_error_queue.cpp).
  CHECK(all_alive({cb})(wait_states(a->http_port(), all_alive({cb}), 0s)));
  auto r = states(rogue->http_port());
  CHECK((r.count(ca) == 0 || r.at(ca) != "alive"));
  auto p = states(plain->http_port());
  CHECK((p.count(ca) == 0 || p.at(ca) != "alive"));
  CHECK(a->running());
  // A valid node can still join after the refused ones.
  certs.make_cert("c", "ca");
  auto c = start_node(with(certs.flags("c", "ca"), {"--cluster-peer=" + cb}));
  auto cc = cluster_address(*c);
  CHECK(all_alive({cb, cc})(wait_states(a->http_port(), all_alive({cb, cc}))));
  CHECK(all_alive({ca, cb})(wait_states(c->http_port(), all_alive({ca, cb}))));
}

TEST_CASE("bad cluster flags stop the start with a clear message", "[cluster]") {
  auto fails = [](std::vector<std::string> flags, const std::string& text) {
    std::vector<std::string> argv{NSQD_BINARY, "--tcp-address=127.0.0.1:0",
                                  "--http-address=127.0.0.1:0"};
    data_dir dir;
    argv.push_back("--data-path=" + dir.path());
    argv.insert(argv.end(), flags.begin(), flags.end());
    subprocess p{argv, subprocess::stream::err};
    auto code = p.wait_exit(10s);
    INFO(p.text());
    CHECK(code == 1);
    CHECK(p.text().find(text) != std::string::npos);
  };
  fails({"--cluster-peer=127.0.0.1:1"}, "need --cluster-address");
  fails({"--cluster-address=nowhere"}, "invalid --cluster-address nowhere");
  fails({"--cluster-broadcast-address=127.0.0.1:1"}, "need --cluster-address");
  fails({"--cluster-address=127.0.0.1:0", "--cluster-broadcast-address=127.0.0.1:0"},
        "invalid --cluster-broadcast-address 127.0.0.1:0");
  fails({"--cluster-address=127.0.0.1:0", "--cluster-tls-cert=/nonexistent.pem"},
        "go together");
  fails({"--cluster-address=127.0.0.1:0", "--cluster-tls-cert=/nonexistent.pem",
         "--cluster-tls-key=/nonexistent.key", "--cluster-tls-ca=/nonexistent.ca"},
        "cannot load /nonexistent.pem");
}
