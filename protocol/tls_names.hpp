#pragma once

// The names nsqd's /stats gives a client's TLS version and cipher suite
// (reference §13.7: nsqd's prettyConnectionState).

#include <cstdint>
#include <string>

namespace nsq {

/// `TLS1.0` … `TLS1.3` for wire versions 0x0301 … 0x0304, else `Unknown <n>`.
std::string tls_version_name(uint16_t version);

/// Go's name for the TLS 1.0–1.2 suites nsqd lists (its fixed table of 13,
/// e.g. `TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`), else `Unknown <id>`: TLS
/// 1.3 suites and e.g. AES-256-GCM show as `Unknown 4865`, `Unknown 49200`,
/// exactly as nsqd v1.3.0 shows them.
std::string tls_cipher_suite_name(uint16_t id);

} // namespace nsq
