// Clears OpenSSL's per-thread error queue before every TLS handshake, read
// and write in this process, as OpenSSL requires ("the current thread's
// error queue must be empty before the TLS/SSL I/O operation is attempted,
// or SSL_get_error() will not work reliably", SSL_get_error(3)).
//
// Why: CAF 0.17's caf_openssl never clears it. One peer that fails the
// cluster's TLS handshake (a certificate from another CA) leaves errors on
// the middleman's multiplexer thread, and from then on every TLS read that
// merely would block on that thread is taken for a fatal error: every
// member connection broke and no new one could be accepted (measured in
// tests/cluster_e2e/membership_tests.cpp before this file existed).
//
// How: these definitions interpose the libssl functions for the whole
// process (the executable exports them: CMake's dynamic list), clear the
// queue, and call libssl's own (dlsym RTLD_NEXT). Boost.Asio clears the
// queue itself already; for it this is a no-op.

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <dlfcn.h>

namespace {

template <class Fn> Fn next(const char* name) {
  return reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, name));
}

using io_fn = int (*)(SSL*, void*, int);
using const_io_fn = int (*)(SSL*, const void*, int);
using handshake_fn = int (*)(SSL*);

} // namespace

extern "C" {

int SSL_read(SSL* ssl, void* buf, int num) {
  static const auto real = next<io_fn>("SSL_read");
  ERR_clear_error();
  return real(ssl, buf, num);
}

int SSL_write(SSL* ssl, const void* buf, int num) {
  static const auto real = next<const_io_fn>("SSL_write");
  ERR_clear_error();
  return real(ssl, buf, num);
}

int SSL_accept(SSL* ssl) {
  static const auto real = next<handshake_fn>("SSL_accept");
  ERR_clear_error();
  return real(ssl);
}

int SSL_connect(SSL* ssl) {
  static const auto real = next<handshake_fn>("SSL_connect");
  ERR_clear_error();
  return real(ssl);
}

} // extern "C"
