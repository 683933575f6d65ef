// TLS, snappy and deflate upgrades after IDENTIFY (reference §6.3–6.5,
// §10, §20.3–20.5), over real sockets against the real binary.

#include "e2e/http_client.hpp"
#include "e2e/nsqd_process.hpp"
#include "e2e/raw_client.hpp"
#include "e2e/subprocess.hpp"
#include "e2e/tls_client.hpp"

#include "protocol/deflate_stream.hpp"
#include "protocol/snappy_stream.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

using namespace e2e;

namespace {

/// Hex bytes, for readable failure messages and expected transcripts.
std::string hex(std::string_view s) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    if (!out.empty())
      out += ' ';
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::vector<std::string> tls_flags(const test_pki& pki) {
  return {"--tls-cert=" + pki.file("server.pem"), "--tls-key=" + pki.file("server.key"),
          "--https-address=127.0.0.1:0"};
}

/// Sends the magic and a negotiating IDENTIFY; returns the JSON frame.
std::string identify_negotiating(tls_client& c, const std::string& features) {
  REQUIRE(c.send("  V2" + identify("{\"feature_negotiation\":true," + features + "}")));
  return c.read_frame();
}

/// Reads one sync-flushed deflate block (up to `00 00 ff ff`) and inflates it.
std::string read_deflated(tls_client& c, nsq::deflate_decoder& dec,
                          std::string* raw = nullptr) {
  std::string in;
  while (in.size() < 4096 && (in.size() < 4 || in.substr(in.size() - 4) !=
                                                   nsq::deflate_framing::sync_marker)) {
    auto b = c.read_exact(1);
    if (b.empty())
      break;
    in += b;
  }
  if (raw)
    *raw = in;
  std::string plain;
  auto r = dec.feed(in, plain, 1 << 20);
  CHECK(r.st == nsq::deflate_decoder::status::ok);
  return plain;
}

/// IDENTIFYs with tls_v1 and runs the handshake with `opts`; REQUIREs the OK.
void upgrade_to_tls(tls_client& c, const tls_options& opts) {
  auto json = identify_negotiating(c, "\"tls_v1\":true");
  REQUIRE(json.find("\"tls_v1\":true") != std::string::npos);
  REQUIRE(c.start_tls(opts));
  REQUIRE(hex(c.read_frame()) == hex(ok_frame));
}

/// Returns the /stats producer entry of the client whose remote port is `port`.
nlohmann::json producer_stats(uint16_t http_port, uint16_t port) {
  http_client h{http_port};
  auto a = h.request("GET", "/stats?format=json");
  REQUIRE(a.status == 200);
  auto stats = nlohmann::json::parse(a.body);
  for (auto& p : stats["producers"]) {
    auto addr = p["remote_address"].get<std::string>();
    if (addr.substr(addr.rfind(':') + 1) == std::to_string(port))
      return p;
  }
  FAIL("no producer on port " << port << " in " << a.body);
  return nullptr;
}

uint16_t https_port(const nsqd_process& nsqd) {
  static const std::string marker = "HTTPS: listening on 127.0.0.1:";
  auto log = nsqd.log();
  auto pos = log.find(marker);
  REQUIRE(pos != std::string::npos);
  return static_cast<uint16_t>(std::stoul(log.substr(pos + marker.size())));
}

} // namespace

TEST_CASE("TLS required: plaintext commands are refused with nsqd's error") {
  test_pki pki;
  auto flags = tls_flags(pki);
  flags.push_back("--tls-required=tcp-https");
  nsqd_process nsqd{flags};
  SECTION("PUB") {
    raw_client c{nsqd.port()};
    c.send(pub("t", "abc"));
    expect_fatal(c, "E_INVALID cannot PUB in current state (TLS required)");
  }
  SECTION("SUB") {
    raw_client c{nsqd.port()};
    c.send("SUB t c\n");
    expect_fatal(c, "E_INVALID cannot SUB in current state (TLS required)");
  }
  SECTION("IDENTIFY without tls_v1 answers, the next command is refused") {
    raw_client c{nsqd.port()};
    c.send(identify("{}"));
    expect_ok(c);
    c.send("NOP\n");
    expect_fatal(c, "E_INVALID cannot NOP in current state (TLS required)");
  }
}

TEST_CASE(
    "IDENTIFY tls_v1: JSON in plaintext, handshake, OK over TLS, then V2 over TLS") {
  test_pki pki;
  auto flags = tls_flags(pki);
  flags.push_back("--tls-required=true");
  nsqd_process nsqd{flags};
  tls_client c{nsqd.port()};
  auto json = identify_negotiating(c, "\"tls_v1\":true");
  CHECK(json.find("\"tls_v1\":true") != std::string::npos);
  REQUIRE(c.start_tls({pki.file("ca.pem"), "", ""}));
  CHECK(hex(c.read_frame()) == hex(ok_frame));
  REQUIRE(c.send(pub("tls_topic", "over tls")));
  CHECK(hex(c.read_frame()) == hex(ok_frame));
  REQUIRE(c.send("SUB tls_topic ch\nRDY 1\n"));
  CHECK(hex(c.read_frame()) == hex(ok_frame));
  auto msg = c.read_frame();
  REQUIRE(msg.size() > 8 + 26);
  CHECK(msg.substr(8 + 26) == "over tls");
}

TEST_CASE("IDENTIFY tls_v1 without a TLS config answers tls_v1 false") {
  nsqd_process nsqd;
  tls_client c{nsqd.port()};
  auto json = identify_negotiating(c, "\"tls_v1\":true");
  CHECK(json.find("\"tls_v1\":false") != std::string::npos);
  REQUIRE(c.send("NOP\n" + pub("t", "x")));
  CHECK(hex(c.read_frame()) == hex(ok_frame)); // still plaintext
}

TEST_CASE("a failed TLS handshake answers E_IDENTIFY_FAILED in plaintext and closes") {
  test_pki pki;
  nsqd_process nsqd{tls_flags(pki)};
  tls_client c{nsqd.port()};
  identify_negotiating(c, "\"tls_v1\":true");
  REQUIRE(c.send("this is not a TLS client hello, it is plain text\r\n\r\n"));
  auto f = c.read_frame();
  INFO(printable(f));
  REQUIRE(f.size() > 8);
  CHECK(f.substr(4, 4) == std::string("\0\0\0\1", 4));
  CHECK(f.substr(8).rfind("E_IDENTIFY_FAILED IDENTIFY failed ", 0) == 0);
  CHECK(c.closed());
}

TEST_CASE("client certificates: require-verify refuses a client without one") {
  test_pki pki;
  auto flags = tls_flags(pki);
  flags.push_back("--tls-client-auth-policy=require-verify");
  flags.push_back("--tls-root-ca-file=" + pki.file("ca.pem"));
  nsqd_process nsqd{flags};
  SECTION("no certificate: the handshake fails, nothing is served") {
    tls_client c{nsqd.port()};
    identify_negotiating(c, "\"tls_v1\":true");
    // With TLS 1.3 the client's handshake may finish before the server
    // checks the certificate; either way no OK arrives and the socket closes.
    if (c.start_tls({pki.file("ca.pem"), "", ""}))
      CHECK(c.read_frame().empty());
    CHECK(c.closed());
  }
  SECTION("a certificate from another CA is refused too") {
    tls_client c{nsqd.port()};
    identify_negotiating(c, "\"tls_v1\":true");
    if (c.start_tls({"", pki.file("stranger.pem"), pki.file("stranger.key")}))
      CHECK(c.read_frame().empty());
    CHECK(c.closed());
  }
  SECTION("a certificate signed by the CA is accepted") {
    tls_client c{nsqd.port()};
    identify_negotiating(c, "\"tls_v1\":true");
    REQUIRE(c.start_tls(
        {pki.file("ca.pem"), pki.file("client.pem"), pki.file("client.key")}));
    CHECK(hex(c.read_frame()) == hex(ok_frame));
    REQUIRE(c.send(pub("t", "x")));
    CHECK(hex(c.read_frame()) == hex(ok_frame));
  }
  SECTION("plaintext commands are refused: a policy implies --tls-required") {
    raw_client c{nsqd.port()};
    c.send(pub("t", "abc"));
    expect_fatal(c, "E_INVALID cannot PUB in current state (TLS required)");
  }
}

TEST_CASE("client certificates: require accepts any certificate, but needs one") {
  test_pki pki;
  auto flags = tls_flags(pki);
  flags.push_back("--tls-client-auth-policy=require");
  nsqd_process nsqd{flags};
  SECTION("self-signed certificate accepted") {
    tls_client c{nsqd.port()};
    identify_negotiating(c, "\"tls_v1\":true");
    REQUIRE(c.start_tls({"", pki.file("stranger.pem"), pki.file("stranger.key")}));
    CHECK(hex(c.read_frame()) == hex(ok_frame));
  }
  SECTION("no certificate refused") {
    tls_client c{nsqd.port()};
    identify_negotiating(c, "\"tls_v1\":true");
    if (c.start_tls())
      CHECK(c.read_frame().empty());
    CHECK(c.closed());
  }
}

TEST_CASE("snappy: the transcript of reference 20.4") {
  nsqd_process nsqd;
  tls_client c{nsqd.port()};
  auto json = identify_negotiating(c, "\"snappy\":true");
  CHECK(json.find("\"snappy\":true") != std::string::npos);
  CHECK(hex(c.read_exact(28)) == "ff 06 00 00 73 4e 61 50 70 59 01 0e 00 00 26 98 2b cf "
                                 "00 00 00 06 00 00 00 00 4f 4b");
  nsq::snappy_encoder enc;
  std::string out;
  enc.append(out, pub("snt", "abc"));
  REQUIRE(c.send(out));
  CHECK(hex(c.read_exact(18)) == "01 0e 00 00 26 98 2b cf 00 00 00 06 00 00 00 00 4f 4b");
  // A broken stream ends the connection.
  REQUIRE(c.send(std::string("\x01\x0e\x00\x00\x00\x00\x00\x00garbage!!!", 18)));
  CHECK(c.closed());
}

TEST_CASE("deflate: the transcript of reference 20.3, level capped") {
  nsqd_process nsqd;
  tls_client c{nsqd.port()};
  auto json = identify_negotiating(c, "\"deflate\":true,\"deflate_level\":9");
  CHECK(json.find("\"deflate\":true,\"deflate_level\":6") != std::string::npos);
  auto dec = nsq::deflate_decoder::create();
  REQUIRE(dec);
  // zlib, unlike Go's compress/flate, finds the 3-byte match in the frame
  // header (see tests/protocol/deflate_stream_tests.cpp): the bytes differ
  // from nsqd's `62 60 60 60 63 60 60 60 f0 f7 ...` but inflate the same.
  std::string raw;
  CHECK(hex(read_deflated(c, *dec, &raw)) == hex(ok_frame));
  CHECK(hex(raw) == "62 60 60 60 63 00 02 7f 6f 00 00 00 00 ff ff");
  auto enc = nsq::deflate_encoder::create(6);
  REQUIRE(enc);
  std::string out;
  REQUIRE(enc->append(out, pub("deft", "abc")));
  REQUIRE(c.send(out));
  CHECK(hex(read_deflated(c, *dec, &raw)) == hex(ok_frame));
  CHECK(hex(raw) == "62 80 b3 00 00 00 00 ff ff"); // a back-reference, as nsqd's
}

TEST_CASE("deflate: a decompression bomb is decoded in bounded steps") {
  nsqd_process nsqd;
  tls_client c{nsqd.port()};
  identify_negotiating(c, "\"deflate\":true");
  auto dec = nsq::deflate_decoder::create();
  REQUIRE(dec);
  REQUIRE(hex(read_deflated(c, *dec)) == hex(ok_frame));
  // 8 MiB of NOPs compress to a few KiB; the server must work through them
  // and still answer the PUB behind them.
  auto enc = nsq::deflate_encoder::create(9);
  REQUIRE(enc);
  std::string nops;
  for (int i = 0; i < 2 * 1024 * 1024; ++i)
    nops += "NOP\n";
  std::string out;
  REQUIRE(enc->append(out, nops + pub("bomb", "x")));
  CHECK(out.size() < 64 * 1024);
  REQUIRE(c.send(out));
  CHECK(hex(read_deflated(c, *dec)) == hex(ok_frame));
}

TEST_CASE("snappy over TLS: OK over TLS, then OK through snappy") {
  test_pki pki;
  nsqd_process nsqd{tls_flags(pki)};
  tls_client c{nsqd.port()};
  auto json = identify_negotiating(c, "\"tls_v1\":true,\"snappy\":true");
  CHECK(json.find("\"tls_v1\":true") != std::string::npos);
  REQUIRE(c.start_tls());
  CHECK(hex(c.read_frame()) == hex(ok_frame));
  CHECK(hex(c.read_exact(28)) == "ff 06 00 00 73 4e 61 50 70 59 01 0e 00 00 26 98 2b cf "
                                 "00 00 00 06 00 00 00 00 4f 4b");
  nsq::snappy_encoder enc;
  std::string out;
  enc.append(out, pub("snt", "abc"));
  REQUIRE(c.send(out));
  CHECK(hex(c.read_exact(18)) == "01 0e 00 00 26 98 2b cf 00 00 00 06 00 00 00 00 4f 4b");
}

TEST_CASE("both snappy and deflate: E_IDENTIFY_FAILED instead of the JSON") {
  nsqd_process nsqd;
  raw_client c{nsqd.port()};
  c.send(identify(R"({"feature_negotiation":true,"snappy":true,"deflate":true})"));
  expect_fatal(c, "E_IDENTIFY_FAILED cannot enable both deflate and snappy compression");
}

TEST_CASE("snappy and deflate flags set to false disable negotiation") {
  nsqd_process nsqd{{"--snappy=false", "--deflate=false"}};
  raw_client c{nsqd.port()};
  c.send(identify(R"({"feature_negotiation":true,"snappy":true,"deflate":true})"));
  auto f = c.read_frame();
  CHECK(f.data.find("\"deflate\":false") != std::string::npos);
  CHECK(f.data.find("\"snappy\":false") != std::string::npos);
  c.send(pub("t", "x"));
  expect_ok(c);
}

TEST_CASE("HTTPS serves the API, plain HTTP answers 403 when TLS is required") {
  test_pki pki;
  auto flags = tls_flags(pki);
  flags.push_back("--tls-required=true");
  nsqd_process nsqd{flags};
  auto port = https_port(nsqd);
  const std::string ping = "GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
  {
    tls_client c{port};
    REQUIRE(c.start_tls({pki.file("ca.pem"), "", ""}));
    REQUIRE(c.send(ping));
    auto reply = c.read_exact(4096);
    INFO(reply);
    CHECK(reply.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(reply.size() >= 2);
    CHECK(reply.substr(reply.size() - 2) == "OK");
  }
  {
    tls_client c{nsqd.http_port()};
    REQUIRE(c.send(ping));
    auto reply = c.read_exact(4096);
    INFO(reply);
    CHECK(reply.rfind("HTTP/1.1 403 Forbidden\r\n", 0) == 0);
    CHECK(reply.find("X-Nsq-Content-Type: nsq; version=1.0\r\n") != std::string::npos);
    CHECK(reply.find("Content-Type: application/json; charset=utf-8\r\n") !=
          std::string::npos);
    std::string body =
        "{\"message\": \"TLS_REQUIRED\", \"https_port\": " + std::to_string(port) + "}";
    CHECK(reply.substr(reply.size() - body.size()) == body);
  }
}

TEST_CASE("tls-required=tcp-https keeps plain HTTP open") {
  test_pki pki;
  auto flags = tls_flags(pki);
  flags.push_back("--tls-required=tcp-https");
  nsqd_process nsqd{flags};
  tls_client c{nsqd.http_port()};
  REQUIRE(c.send("GET /ping HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  auto reply = c.read_exact(4096);
  CHECK(reply.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
}

TEST_CASE("TLS startup errors") {
  auto fails_with = [](std::vector<std::string> flags, const std::string& text) {
    char dir[] = "/tmp/caf-nsqd-e2e-XXXXXX";
    REQUIRE(::mkdtemp(dir) != nullptr);
    std::vector<std::string> argv{NSQD_BINARY, "--tcp-address=127.0.0.1:0",
                                  "--http-address=127.0.0.1:0",
                                  std::string("--data-path=") + dir};
    argv.insert(argv.end(), flags.begin(), flags.end());
    subprocess proc(argv, subprocess::stream::err);
    auto code = proc.wait_exit(std::chrono::seconds(10));
    INFO(proc.text());
    REQUIRE(code);
    CHECK(*code == 1);
    auto wanted = "FATAL: failed to instantiate nsqd - " + text;
    // The pipe is drained by a thread: wait (bounded) for the line to arrive.
    CHECK(proc.wait_for(
        [&](const std::string& log) { return log.find(wanted) != std::string::npos; },
        std::chrono::seconds(5)));
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  };
  fails_with({"--tls-required=true"},
             "cannot require TLS client connections without TLS key and cert");
  fails_with({"--tls-client-auth-policy=require"},
             "cannot require TLS client connections without TLS key and cert");
  fails_with({"--max-deflate-level=10"}, "--max-deflate-level must be [1,9]");
  fails_with({"--max-deflate-level=0"}, "--max-deflate-level must be [1,9]");
  fails_with({"--tls-cert=/nonexistent.pem", "--tls-key=/nonexistent.key"},
             "failed to build TLS config - open /nonexistent.pem: no such file or "
             "directory");
}

TEST_CASE("/stats shows each client's negotiated TLS version and cipher suite", "[tls]") {
  test_pki pki;
  nsqd_process nsqd{tls_flags(pki)};
  SECTION("OpenSSL's default (TLS 1.3 here): nsqd names no 1.3 suite") {
    tls_client c{nsqd.port()};
    upgrade_to_tls(c, {pki.file("ca.pem"), "", ""});
    REQUIRE(c.send(pub("tls_stats", "x")));
    REQUIRE(hex(c.read_frame()) == hex(ok_frame));
    auto p = producer_stats(nsqd.http_port(), c.local_port());
    INFO(p.dump());
    CHECK(p["tls"] == true);
    if (c.tls_version() == TLS1_3_VERSION) {
      CHECK(p["tls_version"] == "TLS1.3");
      CHECK(p["tls_cipher_suite"] == "Unknown " + std::to_string(c.tls_cipher_id()));
    } else {
      CHECK(p["tls_version"] == "TLS1.2");
      CHECK_FALSE(p["tls_cipher_suite"].get<std::string>().empty());
    }
    CHECK(p["tls_negotiated_protocol"] == "");
    CHECK(p["tls_negotiated_protocol_is_mutual"] == true);
  }
  SECTION("TLS 1.2 with ECDHE-RSA-AES128-GCM-SHA256: Go's suite name") {
    tls_client c{nsqd.port()};
    c.force_tls12("ECDHE-RSA-AES128-GCM-SHA256");
    upgrade_to_tls(c, {pki.file("ca.pem"), "", ""});
    REQUIRE(c.tls_version() == TLS1_2_VERSION);
    REQUIRE(c.send(pub("tls_stats", "x")));
    REQUIRE(hex(c.read_frame()) == hex(ok_frame));
    auto p = producer_stats(nsqd.http_port(), c.local_port());
    INFO(p.dump());
    CHECK(p["tls"] == true);
    CHECK(p["tls_version"] == "TLS1.2");
    CHECK(p["tls_cipher_suite"] == "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
    CHECK(p["tls_negotiated_protocol_is_mutual"] == true);
  }
  SECTION("TLS 1.2 with AES-256-GCM: a suite outside nsqd's table is Unknown") {
    tls_client c{nsqd.port()};
    c.force_tls12("ECDHE-RSA-AES256-GCM-SHA384");
    upgrade_to_tls(c, {pki.file("ca.pem"), "", ""});
    REQUIRE(c.send(pub("tls_stats", "x")));
    REQUIRE(hex(c.read_frame()) == hex(ok_frame));
    auto p = producer_stats(nsqd.http_port(), c.local_port());
    CHECK(p["tls_cipher_suite"] == "Unknown 49200");
  }
  SECTION("a plaintext client: no TLS fields") {
    tls_client c{nsqd.port()};
    auto json = identify_negotiating(c, "\"tls_v1\":false");
    REQUIRE(c.send(pub("tls_stats", "x")));
    REQUIRE(hex(c.read_frame()) == hex(ok_frame));
    auto p = producer_stats(nsqd.http_port(), c.local_port());
    INFO(p.dump());
    CHECK(p["tls"] == false);
    CHECK(p["tls_version"] == "");
    CHECK(p["tls_cipher_suite"] == "");
    CHECK(p["tls_negotiated_protocol"] == "");
    CHECK(p["tls_negotiated_protocol_is_mutual"] == false);
  }
}

TEST_CASE("closing a TLS connection sends close_notify first", "[tls]") {
  test_pki pki;
  nsqd_process nsqd{tls_flags(pki)};
  tls_client c{nsqd.port()};
  upgrade_to_tls(c, {pki.file("ca.pem"), "", ""});
  REQUIRE(c.send("BOGUS\n"));
  auto f = c.read_frame();
  CHECK(f.substr(8) == "E_INVALID invalid command BOGUS");
  CHECK(c.got_close_notify());
  SECTION("a peer that answers it: the TCP connection ends") {
    c.send_close_notify();
    CHECK(c.tcp_closed());
  }
  SECTION("a peer that never answers is dropped anyway") {
    CHECK(c.tcp_closed());
  }
}
