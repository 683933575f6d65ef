#pragma once

// A blocking V1 client playing nsqd: raw bytes out, `<len><data>` frames in,
// every read bounded by poll().

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

namespace lookupd_e2e {

class lookup_client {
public:
  explicit lookup_client(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    sockaddr_in local{};
    socklen_t len = sizeof local;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&local), &len);
    local_port_ = ntohs(local.sin_port);
  }
  ~lookup_client() { close(); }
  lookup_client(const lookup_client&) = delete;
  lookup_client& operator=(const lookup_client&) = delete;

  /// `127.0.0.1:<our port>`: the peer id the server sees.
  std::string peer_id() const { return "127.0.0.1:" + std::to_string(local_port_); }

  /// Sends bytes; returns false once the server has closed.
  bool send(const std::string& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      auto n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0)
        return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }

  void half_close() { ::shutdown(fd_, SHUT_WR); }

  void close() {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = -1;
  }

  /// Reads one frame's data; nothing on EOF or timeout.
  std::optional<std::string>
  frame(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    std::string head;
    if (!read_exact(4, head, timeout))
      return std::nullopt;
    uint32_t n = static_cast<uint32_t>(static_cast<unsigned char>(head[0])) << 24 |
                 static_cast<uint32_t>(static_cast<unsigned char>(head[1])) << 16 |
                 static_cast<uint32_t>(static_cast<unsigned char>(head[2])) << 8 |
                 static_cast<uint32_t>(static_cast<unsigned char>(head[3]));
    std::string data;
    if (!read_exact(n, data, timeout))
      return std::nullopt;
    return data;
  }

  /// Reads a frame and returns its raw bytes including the length prefix.
  std::optional<std::string> raw_frame() {
    auto d = frame();
    if (!d)
      return d;
    auto n = static_cast<uint32_t>(d->size());
    std::string out = {static_cast<char>(n >> 24), static_cast<char>(n >> 16),
                       static_cast<char>(n >> 8), static_cast<char>(n)};
    return out + *d;
  }

  /// Returns whether the server closed the connection (EOF within `timeout`).
  bool closed_by_server(std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
    char c;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0)
      return false;
    auto n = ::recv(fd_, &c, 1, 0);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }

private:
  bool read_exact(size_t n, std::string& out, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    out.clear();
    char buf[4096];
    while (out.size() < n) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0)
        return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
        return false;
      auto want = std::min(sizeof buf, n - out.size());
      auto got = ::recv(fd_, buf, want, 0);
      if (got <= 0)
        return false;
      out.append(buf, static_cast<size_t>(got));
    }
    return true;
  }

  int fd_ = -1;
  uint16_t local_port_ = 0;
};

inline std::string size_bytes(int32_t n) {
  auto u = static_cast<uint32_t>(n);
  return {static_cast<char>(u >> 24), static_cast<char>(u >> 16),
          static_cast<char>(u >> 8), static_cast<char>(u)};
}

/// `IDENTIFY\n<size><body>`.
inline std::string identify(const std::string& body) {
  return "IDENTIFY\n" + size_bytes(static_cast<int32_t>(body.size())) + body;
}

/// A valid IDENTIFY body for an nsqd at 127.0.0.1:<http_port>.
inline std::string nsqd_body(int http_port = 44151,
                             const std::string& address = "127.0.0.1") {
  return R"({"broadcast_address":")" + address + R"(","hostname":"vm","http_port":)" +
         std::to_string(http_port) + R"(,"tcp_port":44150,"version":"1.3.0"})";
}

} // namespace lookupd_e2e
