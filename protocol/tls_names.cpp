#include "protocol/tls_names.hpp"

#include <array>
#include <utility>

namespace nsq {

namespace {

/// nsqd's table (IANA id → Go's constant name); every other suite is unknown
/// to it, even those Go's tls.CipherSuiteName would name.
constexpr std::array<std::pair<uint16_t, const char*>, 13> nsqd_suites{{
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
}};

std::string unknown(uint16_t n) {
  return "Unknown " + std::to_string(n);
}

} // namespace

std::string tls_version_name(uint16_t version) {
  switch (version) {
  case 0x0301:
    return "TLS1.0";
  case 0x0302:
    return "TLS1.1";
  case 0x0303:
    return "TLS1.2";
  case 0x0304:
    return "TLS1.3";
  default:
    return unknown(version);
  }
}

std::string tls_cipher_suite_name(uint16_t id) {
  for (const auto& [suite, name] : nsqd_suites)
    if (suite == id)
      return name;
  return unknown(id);
}

} // namespace nsq
