#pragma once

#include "actors/messages.hpp"

#include <openssl/ssl.h>

namespace nsq {

/// Reads what the finished handshake of `ssl` negotiated: version, cipher
/// suite, ALPN and the Subject CN of the peer's certificate (Go's
/// PeerCertificates[0].Subject.CommonName: the last CN attribute; "" when
/// the peer sent no certificate, which it only does when one was requested).
tls_details describe_tls(const SSL* ssl);

} // namespace nsq
