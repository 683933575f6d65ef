#pragma once

// A tiny HTTP auth server for the e2e tests: listens on 127.0.0.1:<free
// port>, answers each GET from a table keyed by the `secret` query value,
// records every request, serves each connection on its own thread (so a
// deliberately slow answer does not hold the others up). Every wait is
// bounded by poll(); the destructor stops and joins everything.

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
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

class auth_server {
public:
  auth_server() {
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
  }

  auth_server(const auth_server&) = delete;
  auth_server& operator=(const auth_server&) = delete;

  /// Returns `127.0.0.1:<port>` (nsqd's --auth-http-address form).
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

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

  /// Reads one request head within 5 s; empty on timeout or EOF.
  std::string read_head(int c) {
    std::string buf;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (buf.find("\r\n\r\n") == std::string::npos && !stop_) {
      if (std::chrono::steady_clock::now() > deadline || buf.size() > 65536)
        return {};
      pollfd p{c, POLLIN, 0};
      if (::poll(&p, 1, 50) <= 0)
        continue;
      char chunk[4096];
      auto n = ::recv(c, chunk, sizeof chunk, 0);
      if (n <= 0)
        return {};
      buf.append(chunk, static_cast<size_t>(n));
    }
    return buf.substr(0, buf.find("\r\n\r\n"));
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

  void serve(int c) {
    auto head = read_head(c);
    if (!head.empty()) {
      auth_answer a{404, "{}", std::chrono::milliseconds(0)};
      {
        std::lock_guard<std::mutex> guard{mtx_};
        requests_.push_back(head);
        auto i = answers_.find(secret_of(head));
        if (i != answers_.end())
          a = i->second;
      }
      auto until = std::chrono::steady_clock::now() + a.delay;
      while (!stop_ && !released_ && std::chrono::steady_clock::now() < until)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      std::string out = "HTTP/1.1 " + std::to_string(a.status) +
                        " X\r\nContent-Type: application/json\r\nContent-Length: " +
                        std::to_string(a.body.size()) + "\r\nConnection: close\r\n\r\n" +
                        a.body;
      ::send(c, out.data(), out.size(), MSG_NOSIGNAL);
    }
    ::close(c);
  }

  int fd_ = -1;
  uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<bool> released_{false};
  std::thread acceptor_;
  std::vector<std::thread> workers_; ///< touched only by the acceptor until stop
  mutable std::mutex mtx_;
  std::map<std::string, auth_answer> answers_;
  std::vector<std::string> requests_;
};

} // namespace e2e
