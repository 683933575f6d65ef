#pragma once

// A tiny HTTP auth server for the e2e tests: listens on 127.0.0.1:<free
// port>, answers each GET from a table keyed by the `secret` query value,
// records every request, serves each connection on its own thread (so a
// deliberately slow answer does not hold the others up). With a certificate
// it speaks HTTPS. Every wait is bounded (poll(), socket timeouts); the
// destructor stops and joins everything.

#include <catch2/catch.hpp>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace e2e {

/// What the server answers for one secret.
struct auth_answer {
  int status = 200;
  std::string body;
  std::chrono::milliseconds delay{0}; ///< wait before answering (bounded by stop)
};

/// The certificate an HTTPS auth server presents.
struct auth_server_tls {
  std::string cert_file;
  std::string key_file;
};

class auth_server {
public:
  /// Plain HTTP, or HTTPS when `tls` names a certificate.
  explicit auth_server(const auth_server_tls& tls = {}) {
    if (!tls.cert_file.empty()) {
      tls_ = SSL_CTX_new(TLS_server_method());
      REQUIRE(tls_ != nullptr);
      REQUIRE(SSL_CTX_use_certificate_chain_file(tls_, tls.cert_file.c_str()) == 1);
      REQUIRE(SSL_CTX_use_PrivateKey_file(tls_, tls.key_file.c_str(), SSL_FILETYPE_PEM) ==
              1);
    }
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::listen(fd_, 64) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    port_ = ntohs(addr.sin_port);
    acceptor_ = std::thread([this] { accept_loop(); });
  }

  ~auth_server() {
    stop_ = true;
    acceptor_.join();
    for (auto& t : workers_)
      t.join();
    ::close(fd_);
    if (tls_)
      SSL_CTX_free(tls_);
  }

  auth_server(const auth_server&) = delete;
  auth_server& operator=(const auth_server&) = delete;

  /// Returns `127.0.0.1:<port>` (nsqd's --auth-http-address form).
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  uint16_t port() const { return port_; }

  /// Sets the answer for requests carrying `secret` (form-encoded as sent).
  void answer(const std::string& secret, auth_answer a) {
    std::lock_guard<std::mutex> guard{mtx_};
    answers_[secret] = std::move(a);
  }

  /// Returns every request head received so far (request line and headers).
  std::vector<std::string> requests() const {
    std::lock_guard<std::mutex> guard{mtx_};
    return requests_;
  }

  size_t request_count() const { return requests().size(); }

  /// Waits (up to `limit`) until `n` requests arrived; returns whether they did.
  bool wait_for_requests(size_t n, std::chrono::milliseconds limit) const {
    std::unique_lock<std::mutex> lock{mtx_};
    return arrived_.wait_for(lock, limit, [&] { return requests_.size() >= n; });
  }

  /// Ends every delay now: held answers go out at once.
  void release() { released_ = true; }

private:
  void accept_loop() {
    while (!stop_) {
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0)
        continue;
      int c = ::accept(fd_, nullptr, nullptr);
      if (c < 0)
        continue;
      workers_.emplace_back([this, c] { serve(c); });
    }
  }

  /// One accepted connection, plain or TLS.
  struct conn {
    int fd;
    SSL* ssl = nullptr;

    /// Reads some bytes: > 0, or <= 0 on EOF, error or the 5 s timeout.
    long read(char* buf, size_t n) {
      if (ssl)
        return SSL_read(ssl, buf, static_cast<int>(n));
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0)
        return -2; // nothing yet: the caller checks its deadline
      return ::recv(fd, buf, n, 0);
    }

    void write(const std::string& out) {
      if (ssl)
        SSL_write(ssl, out.data(), static_cast<int>(out.size()));
      else
        ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
    }
  };

  /// Reads one request head within 5 s; empty on timeout or EOF.
  std::string read_head(conn& c) {
    std::string buf;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (buf.find("\r\n\r\n") == std::string::npos && !stop_) {
      if (std::chrono::steady_clock::now() > deadline || buf.size() > 65536)
        return {};
      char chunk[4096];
      auto n = c.read(chunk, sizeof chunk);
      if (n == -2)
        continue;
      if (n <= 0)
        return {};
      buf.append(chunk, static_cast<size_t>(n));
    }
    return buf.substr(0, buf.find("\r\n\r\n"));
  }

  /// Runs the TLS server handshake on `c`; false if it failed.
  bool accept_tls(conn& c) {
    timeval limit{5, 0}; // bounds the handshake and every TLS read
    ::setsockopt(c.fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
    ::setsockopt(c.fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
    c.ssl = SSL_new(tls_);
    SSL_set_fd(c.ssl, c.fd);
    bool ok = SSL_accept(c.ssl) == 1;
    ERR_clear_error();
    return ok;
  }

  /// Returns the `secret` value of the request line's query.
  static std::string secret_of(const std::string& head) {
    auto line = head.substr(0, head.find("\r\n"));
    auto at = line.find("secret=");
    if (at == std::string::npos)
      return {};
    at += 7;
    auto end = line.find_first_of("& ", at);
    return line.substr(at, end - at);
  }

  void serve(int fd) {
    conn c{fd};
    auto head = tls_ && !accept_tls(c) ? std::string() : read_head(c);
    if (!head.empty()) {
      auth_answer a{404, "{}", std::chrono::milliseconds(0)};
      {
        std::lock_guard<std::mutex> guard{mtx_};
        requests_.push_back(head);
        auto i = answers_.find(secret_of(head));
        if (i != answers_.end())
          a = i->second;
      }
      arrived_.notify_all();
      auto until = std::chrono::steady_clock::now() + a.delay;
      while (!stop_ && !released_ && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      c.write("HTTP/1.1 " + std::to_string(a.status) +
              " X\r\nContent-Type: application/json\r\nContent-Length: " +
              std::to_string(a.body.size()) + "\r\nConnection: close\r\n\r\n" + a.body);
    }
    if (c.ssl) {
      SSL_shutdown(c.ssl);
      SSL_free(c.ssl);
    }
    ::close(fd);
  }

  int fd_ = -1;
  uint16_t port_ = 0;
  SSL_CTX* tls_ = nullptr; ///< set for HTTPS
  std::atomic<bool> stop_{false};
  std::atomic<bool> released_{false};
  std::thread acceptor_;
  std::vector<std::thread> workers_; ///< touched only by the acceptor until stop
  mutable std::mutex mtx_;
  mutable std::condition_variable arrived_; ///< a request was recorded
  std::map<std::string, auth_answer> answers_;
  std::vector<std::string> requests_;
};

} // namespace e2e
