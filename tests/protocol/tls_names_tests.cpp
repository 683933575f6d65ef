#include "protocol/tls_names.hpp"

#include <catch2/catch.hpp>

using namespace nsq;

TEST_CASE("tls names: versions as nsqd's /stats shows them", "[tls]") {
  CHECK(tls_version_name(0x0301) == "TLS1.0");
  CHECK(tls_version_name(0x0302) == "TLS1.1");
  CHECK(tls_version_name(0x0303) == "TLS1.2");
  CHECK(tls_version_name(0x0304) == "TLS1.3");
  CHECK(tls_version_name(0x0300) == "Unknown 768"); // SSL 3.0
  CHECK(tls_version_name(0) == "Unknown 0");
}

TEST_CASE("tls names: nsqd's fixed table of cipher suite names", "[tls]") {
  struct entry {
    uint16_t id;
    const char* name;
  };
  // Every entry of nsqd's prettyConnectionState.GetCipherSuite.
  const entry table[] = {
      {0x0005, "TLS_RSA_WITH_RC4_128_SHA"},
      {0x000a, "TLS_RSA_WITH_3DES_EDE_CBC_SHA"},
      {0x002f, "TLS_RSA_WITH_AES_128_CBC_SHA"},
      {0x0035, "TLS_RSA_WITH_AES_256_CBC_SHA"},
      {0xc007, "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA"},
      {0xc009, "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"},
      {0xc00a, "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"},
      {0xc011, "TLS_ECDHE_RSA_WITH_RC4_128_SHA"},
      {0xc012, "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA"},
      {0xc013, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"},
      {0xc014, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"},
      {0xc02f, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
      {0xc02b, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"},
  };
  for (const auto& e : table) {
    INFO(e.id);
    CHECK(tls_cipher_suite_name(e.id) == e.name);
  }
}

TEST_CASE("tls names: other suites are Unknown <decimal id>, as in nsqd", "[tls]") {
  // TLS 1.3 suites (reference §13.7).
  CHECK(tls_cipher_suite_name(0x1301) == "Unknown 4865");
  CHECK(tls_cipher_suite_name(0x1302) == "Unknown 4866");
  CHECK(tls_cipher_suite_name(0x1303) == "Unknown 4867");
  // TLS 1.2 suites Go names but nsqd's table does not: what OpenSSL picks by
  // default for TLS 1.2 with an RSA key, and ChaCha20.
  CHECK(tls_cipher_suite_name(0xc030) == "Unknown 49200");
  CHECK(tls_cipher_suite_name(0xcca8) == "Unknown 52392");
  CHECK(tls_cipher_suite_name(0) == "Unknown 0");
}
