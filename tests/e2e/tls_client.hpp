#pragma once

// A blocking V2 test client that can switch to TLS (OpenSSL) mid-stream and
// reads exact byte counts, for the upgrade transcripts of reference §6.3 and
// §20.3–20.5. Every wait is bounded by socket timeouts. Also the test PKI:
// a CA, a server and a client certificate made with the openssl CLI.

#include <catch2/catch.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace e2e {

/// A throw-away CA with a server certificate (CN and SAN 127.0.0.1) and a
/// client certificate (CN client_cn, SAN 127.0.0.1), both signed by it, plus
/// a self-signed stranger.
class test_pki {
public:
  static constexpr const char* client_cn = "caf-nsqd-test-client";

  test_pki() {
    char tmpl[] = "/tmp/caf-nsqd-pki-XXXXXX";
    REQUIRE(::mkdtemp(tmpl) != nullptr);
    dir_ = tmpl;
    auto d = dir_ + "/";
    auto quiet = " >/dev/null 2>&1";
    run("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=caf-nsqd-test-ca"
        " -keyout " +
        d + "ca.key -out " + d + "ca.pem" + quiet);
    for (const char* who : {"server", "client"}) {
      std::string w = who;
      std::string cn = w == "client" ? client_cn : "127.0.0.1";
      run("openssl req -newkey rsa:2048 -nodes -subj /CN=" + cn + " -keyout " + d + w +
          ".key -out " + d + w + ".csr" + quiet);
      run("printf 'subjectAltName=IP:127.0.0.1\\n' > " + d + w + ".ext");
      run("openssl x509 -req -days 2 -in " + d + w + ".csr -CA " + d + "ca.pem -CAkey " +
          d + "ca.key -CAcreateserial -extfile " + d + w + ".ext -out " + d + w + ".pem" +
          quiet);
    }
    run("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=stranger -keyout " +
        d + "stranger.key -out " + d + "stranger.pem" + quiet);
  }

  test_pki(const test_pki&) = delete;
  test_pki& operator=(const test_pki&) = delete;

  ~test_pki() {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  std::string file(const std::string& name) const { return dir_ + "/" + name; }

private:
  static void run(const std::string& cmd) {
    INFO(cmd);
    REQUIRE(std::system(cmd.c_str()) == 0);
  }

  std::string dir_;
};

/// What the client presents and checks during the TLS handshake.
struct tls_options {
  std::string ca_file;   ///< verify the server against it (empty: no check)
  std::string cert_file; ///< client certificate (empty: none)
  std::string key_file;
};

class tls_client {
public:
  explicit tls_client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    timeval limit{5, 0}; // bounds every read, write and handshake step
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit));
  }

  tls_client(const tls_client&) = delete;
  tls_client& operator=(const tls_client&) = delete;

  ~tls_client() {
    if (ssl_)
      SSL_free(ssl_);
    if (ctx_)
      SSL_CTX_free(ctx_);
    if (fd_ >= 0)
      ::close(fd_);
  }

  /// Makes start_tls() offer only TLS 1.2 with these OpenSSL cipher names.
  void force_tls12(std::string ciphers) { tls12_ciphers_ = std::move(ciphers); }

  /// Runs the client handshake on the socket; returns whether it succeeded.
  bool start_tls(const tls_options& opts = {}) {
    ctx_ = SSL_CTX_new(TLS_client_method());
    REQUIRE(ctx_ != nullptr);
    if (!opts.ca_file.empty()) {
      REQUIRE(SSL_CTX_load_verify_locations(ctx_, opts.ca_file.c_str(), nullptr) == 1);
      SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
    }
    if (!opts.cert_file.empty()) {
      REQUIRE(SSL_CTX_use_certificate_file(ctx_, opts.cert_file.c_str(),
                                           SSL_FILETYPE_PEM) == 1);
      REQUIRE(SSL_CTX_use_PrivateKey_file(ctx_, opts.key_file.c_str(),
                                          SSL_FILETYPE_PEM) == 1);
    }
    if (!tls12_ciphers_.empty()) {
      REQUIRE(SSL_CTX_set_max_proto_version(ctx_, TLS1_2_VERSION) == 1);
      REQUIRE(SSL_CTX_set_cipher_list(ctx_, tls12_ciphers_.c_str()) == 1);
    }
    ssl_ = SSL_new(ctx_);
    REQUIRE(ssl_ != nullptr);
    SSL_set_fd(ssl_, fd_);
    bool ok = SSL_connect(ssl_) == 1;
    if (!ok)
      ERR_clear_error();
    return ok;
  }

  /// Sends all bytes (over TLS once started); false if that failed.
  bool send(std::string_view bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      long n = ssl_ ? SSL_write(ssl_, bytes.data() + done,
                                static_cast<int>(bytes.size() - done))
                    : ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0)
        return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }

  /// Reads exactly `n` bytes; returns fewer if the peer closed or 5 s passed.
  std::string read_exact(size_t n) {
    std::string out;
    char buf[4096];
    while (out.size() < n) {
      size_t want = std::min(sizeof buf, n - out.size());
      long got =
          ssl_ ? SSL_read(ssl_, buf, static_cast<int>(want)) : ::recv(fd_, buf, want, 0);
      if (got <= 0)
        break;
      out.append(buf, static_cast<size_t>(got));
    }
    return out;
  }

  /// Reads one frame (size, type, data), raw; empty if none arrived.
  std::string read_frame() {
    auto head = read_exact(4);
    if (head.size() < 4)
      return {};
    uint32_t size = 0;
    for (char c : head)
      size = (size << 8) | static_cast<unsigned char>(c);
    if (size > (1u << 20))
      return {}; // no test frame is that large
    return head + read_exact(size);
  }

  /// This end's port (how /stats names the client).
  uint16_t local_port() const {
    sockaddr_in addr{};
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    return ntohs(addr.sin_port);
  }

  /// The negotiated protocol version (e.g. 0x0304) and cipher suite id.
  int tls_version() const { return SSL_version(ssl_); }
  uint16_t tls_cipher_id() const {
    return SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(ssl_));
  }

  /// Returns whether the server ended TLS with close_notify within 5 s
  /// (without answering it: the client then just stops reading).
  bool got_close_notify() {
    char c;
    int got = SSL_read(ssl_, &c, 1);
    int err = SSL_get_error(ssl_, got);
    ERR_clear_error();
    return got == 0 && err == SSL_ERROR_ZERO_RETURN;
  }

  /// Answers the server's close_notify with ours.
  void send_close_notify() { SSL_shutdown(ssl_); }

  /// Returns whether the TCP connection ended (EOF or reset) within 5 s,
  /// looking below TLS.
  bool tcp_closed() {
    char c;
    long got = ::recv(fd_, &c, 1, 0);
    return got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }

  /// Returns whether the server closed the connection (EOF or reset) within 5 s.
  bool closed() {
    char c;
    if (ssl_) {
      int got = SSL_read(ssl_, &c, 1);
      if (got > 0)
        return false;
      int err = SSL_get_error(ssl_, got);
      ERR_clear_error();
      return err != SSL_ERROR_WANT_READ; // WANT_READ: the 5 s passed
    }
    long got = ::recv(fd_, &c, 1, 0);
    return got == 0 || (got < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
  }

private:
  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  std::string tls12_ciphers_;
};

} // namespace e2e
