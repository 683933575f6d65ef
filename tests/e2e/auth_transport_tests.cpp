// How nsqd reaches the auth server and what it tells it (reference §9): the
// common_name of a TLS client, auth servers over https verified against
// --tls-root-ca-file, a 403 retried on https_port, a URL's own path.
#include "e2e/auth_grants.hpp"
#include "e2e/auth_server.hpp"
#include "e2e/nsqd_process.hpp"
#include "e2e/raw_client.hpp"
#include "e2e/tls_client.hpp"

#include <string>
#include <vector>

using namespace e2e;

namespace {

/// IDENTIFYs with tls_v1, runs the handshake with `opts`, then AUTHs with
/// `secret`; returns the AUTH answer frame.
std::string auth_over_tls(uint16_t port, const tls_options& opts,
                          const std::string& secret) {
  tls_client c{port};
  REQUIRE(c.send("  V2" + identify(R"({"feature_negotiation":true,"tls_v1":true})")));
  REQUIRE(!c.read_frame().empty()); // the JSON, in plaintext
  REQUIRE(c.start_tls(opts));
  REQUIRE(printable(c.read_frame()) == printable(ok_frame));
  REQUIRE(c.send(auth(secret)));
  return c.read_frame();
}

std::vector<std::string> tls_server_flags(const test_pki& pki) {
  return {"--tls-cert=" + pki.file("server.pem"), "--tls-key=" + pki.file("server.key"),
          "--https-address=127.0.0.1:0"};
}

/// The request line the auth server saw for an AUTH of `secret` from 127.0.0.1.
std::string request_line(const std::string& path, const std::string& common_name,
                         const std::string& secret, bool tls) {
  return "GET " + path + "?common_name=" + common_name +
         "&remote_ip=127.0.0.1&secret=" + secret + "&tls=" + (tls ? "true" : "false") +
         " HTTP/1.1\r\n";
}

} // namespace

TEST_CASE("auth over TLS: common_name is the client certificate's CN", "[auth][tls]") {
  test_pki pki;
  auth_server server;
  server.answer("alice", {200, alice});
  auto flags = tls_server_flags(pki);
  flags.push_back("--tls-client-auth-policy=require-verify");
  flags.push_back("--tls-root-ca-file=" + pki.file("ca.pem"));
  flags.push_back("--auth-http-address=" + server.address());
  nsqd_process nsqd{flags};
  auto reply = auth_over_tls(
      nsqd.port(), {pki.file("ca.pem"), pki.file("client.pem"), pki.file("client.key")},
      "alice");
  CHECK(printable(reply) == printable(response_frame(alice_reply)));
  auto reqs = server.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].rfind(request_line("/auth", test_pki::client_cn, "alice", true), 0) == 0);
}

TEST_CASE("auth over TLS without a client certificate: common_name is empty",
          "[auth][tls]") {
  test_pki pki;
  auth_server server;
  server.answer("alice", {200, alice});
  auto flags = tls_server_flags(pki);
  flags.push_back("--auth-http-address=" + server.address());
  nsqd_process nsqd{flags};
  // No policy: nsqd asks for no certificate, so none is sent even if the
  // client has one.
  auto reply = auth_over_tls(
      nsqd.port(), {pki.file("ca.pem"), pki.file("client.pem"), pki.file("client.key")},
      "alice");
  CHECK(printable(reply) == printable(response_frame(alice_reply)));
  auto reqs = server.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].rfind(request_line("/auth", "", "alice", true), 0) == 0);
}

TEST_CASE("auth: a full http URL keeps its path", "[auth]") {
  auth_server server;
  server.answer("alice", {200, alice});
  nsqd_process nsqd{{"--auth-http-address=http://" + server.address() + "/custom/check"}};
  authed(nsqd.port(), "alice", alice_reply);
  auto reqs = server.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].rfind(request_line("/custom/check", "", "alice", false), 0) == 0);
  CHECK(reqs[0].find("\r\nHost: " + server.address()) != std::string::npos);
}

TEST_CASE("auth: an https auth server verified against --tls-root-ca-file",
          "[auth][tls]") {
  test_pki pki;
  auth_server server{{pki.file("server.pem"), pki.file("server.key")}};
  server.answer("alice", {200, alice});
  const std::string url = "--auth-http-address=https://" + server.address() + "/tls/auth";
  SECTION("the test CA verifies the server: granted") {
    nsqd_process nsqd{{url, "--tls-root-ca-file=" + pki.file("ca.pem")}};
    authed(nsqd.port(), "alice", alice_reply);
    auto reqs = server.requests();
    REQUIRE(reqs.size() == 1);
    CHECK(reqs[0].rfind(request_line("/tls/auth", "", "alice", false), 0) == 0);
  }
  SECTION("another CA does not: the handshake fails, AUTH fails") {
    nsqd_process nsqd{{url, "--tls-root-ca-file=" + pki.file("stranger.pem")}};
    raw_client c{nsqd.port()};
    c.send(auth("alice"));
    expect_fatal(c, "E_AUTH_FAILED AUTH failed");
    CHECK(server.request_count() == 0);
    // The log line may reach the test's pipe reader a little later.
    CHECK(nsqd.log_has("TLS handshake with " + server.address()));
  }
}

TEST_CASE("auth: a 403 with https_port is retried on https, as nsqd's client does",
          "[auth][tls]") {
  test_pki pki;
  auth_server secure{{pki.file("server.pem"), pki.file("server.key")}};
  secure.answer("alice", {200, alice});
  auth_server plain;
  plain.answer("alice", {403, R"({"message": "TLS_REQUIRED", "https_port": )" +
                                  std::to_string(secure.port()) + "}"});
  nsqd_process nsqd{{"--auth-http-address=" + plain.address(),
                     "--tls-root-ca-file=" + pki.file("ca.pem")}};
  authed(nsqd.port(), "alice", alice_reply);
  CHECK(plain.request_count() == 1);
  auto reqs = secure.requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0].rfind(request_line("/auth", "", "alice", false), 0) == 0);
}
