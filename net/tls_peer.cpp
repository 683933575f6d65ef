#include "net/tls_peer.hpp"

#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/x509.h>

#include <memory>

namespace nsq {

namespace {

struct x509_free {
  void operator()(X509* x) const { X509_free(x); }
};

std::unique_ptr<X509, x509_free> peer_certificate(const SSL* ssl) {
#if OPENSSL_VERSION_NUMBER >= 0x30000000L
  return std::unique_ptr<X509, x509_free>(SSL_get1_peer_certificate(ssl));
#else
  return std::unique_ptr<X509, x509_free>(SSL_get_peer_certificate(ssl));
#endif
}

/// The last commonName of the subject, as UTF-8 (Go keeps the last one).
std::string common_name(X509* cert) {
  X509_NAME* subject = X509_get_subject_name(cert);
  int last = -1;
  for (int i = -1; (i = X509_NAME_get_index_by_NID(subject, NID_commonName, i)) >= 0;)
    last = i;
  if (last < 0)
    return {};
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, last));
  unsigned char* utf8 = nullptr;
  int n = ASN1_STRING_to_UTF8(&utf8, data);
  if (n < 0)
    return {};
  std::string out(reinterpret_cast<char*>(utf8), static_cast<size_t>(n));
  OPENSSL_free(utf8);
  return out;
}

} // namespace

tls_details describe_tls(const SSL* ssl) {
  tls_details d;
  d.version = static_cast<uint16_t>(SSL_version(ssl));
  if (const SSL_CIPHER* c = SSL_get_current_cipher(ssl))
    d.cipher_suite = SSL_CIPHER_get_protocol_id(c);
  const unsigned char* alpn = nullptr;
  unsigned int alpn_len = 0;
  SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
  if (alpn)
    d.negotiated_protocol.assign(reinterpret_cast<const char*>(alpn), alpn_len);
  if (auto cert = peer_certificate(ssl))
    d.common_name = common_name(cert.get());
  return d;
}

} // namespace nsq
