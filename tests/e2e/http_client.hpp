#pragma once

// A blocking HTTP/1.1 client for the e2e tests: one keep-alive connection,
// every read bounded by poll(), answers parsed by Content-Length.

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <map>
#include <string>

namespace e2e {

struct http_answer {
  int status = 0;
  std::map<std::string, std::string> headers; ///< lower-case names
  std::string body;
  bool closed = false; ///< the server closed the connection after it

  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

class http_client {
public:
  explicit http_client(uint16_t port) : port_(port) { connect(); }
  ~http_client() { close(); }
  http_client(const http_client&) = delete;
  http_client& operator=(const http_client&) = delete;

  /// Sends raw bytes (a whole request or part of one).
  void send_raw(const std::string& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      auto n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0)
        return; // the server closed: the read reports it
      done += static_cast<size_t>(n);
    }
  }

  /// Sends one request and reads its answer (reconnects if the last answer closed).
  http_answer request(const std::string& method, const std::string& target,
                      const std::string& body = {}, const std::string& extra = {}) {
    if (fd_ < 0)
      connect();
    send_raw(method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra +
             "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body);
    return read_answer();
  }

  /// Reads one answer within 10 s.
  http_answer read_answer() {
    http_answer a;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    size_t head_end;
    while ((head_end = buf_.find("\r\n\r\n")) == std::string::npos)
      if (!fill(deadline)) {
        FAIL("no complete HTTP answer header; got: " << buf_);
      }
    auto head = buf_.substr(0, head_end);
    buf_.erase(0, head_end + 4);
    REQUIRE(head.rfind("HTTP/1.1 ", 0) == 0);
    a.status = std::stoi(head.substr(9, 3));
    size_t pos = head.find("\r\n");
    while (pos != std::string::npos) {
      auto next = head.find("\r\n", pos + 2);
      auto line = head.substr(pos + 2, next == std::string::npos ? std::string::npos
                                                                 : next - pos - 2);
      auto colon = line.find(':');
      if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        for (auto& c : name)
          c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        a.headers[name] = line.substr(colon + 2);
      }
      pos = next;
    }
    size_t len =
        std::stoul(a.header("content-length").empty() ? "0" : a.header("content-length"));
    while (buf_.size() < len)
      if (!fill(deadline)) {
        FAIL("HTTP body cut short");
      }
    a.body = buf_.substr(0, len);
    buf_.erase(0, len);
    if (a.header("connection") == "close") {
      a.closed = true;
      close();
    }
    return a;
  }

  /// Returns whether the server closes the connection within 10 s.
  bool closed_by_server() {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (fill(deadline)) {
    }
    return eof_;
  }

  void close() {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = -1;
    buf_.clear();
    eof_ = false;
  }

private:
  void connect() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port_);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    timeval limit{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit));
  }

  /// Reads more bytes before `deadline`; false on timeout or EOF.
  bool fill(std::chrono::steady_clock::time_point deadline) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || fd_ < 0)
      return false;
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) <= 0)
      return false;
    char tmp[65536];
    auto n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }

  uint16_t port_;
  int fd_ = -1;
  std::string buf_;
  bool eof_ = false;
};

} // namespace e2e
