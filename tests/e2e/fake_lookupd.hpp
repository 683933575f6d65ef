#pragma once

// A fake nsqlookupd for the e2e tests, faithful to the nsqlookupd reference
// where nsqd can see it: TCP protocol V1 (§2-§5: magic, IDENTIFY with a
// length-prefixed JSON body answered by the lookupd's own JSON, REGISTER,
// UNREGISTER and PING answered `OK`, errors fatal) and the HTTP `/channels`
// endpoint (§9). It records every command line (IDENTIFY with its body) per
// connection and every HTTP request head. It can stop and restart on the same
// ports, and black-hole (accept, read, never answer). Every wait is bounded.

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace e2e {

class fake_lookupd {
public:
  explicit fake_lookupd(bool black_hole = false) : black_hole_(black_hole) {
    tcp_fd_ = listen_on(0, tcp_port_);
    http_fd_ = listen_on(0, http_port_);
    start_threads();
  }

  ~fake_lookupd() { stop(); }

  fake_lookupd(const fake_lookupd&) = delete;
  fake_lookupd& operator=(const fake_lookupd&) = delete;

  /// `127.0.0.1:<tcp port>` (nsqd's --lookupd-tcp-address form).
  std::string address() const { return "127.0.0.1:" + std::to_string(tcp_port_); }
  uint16_t http_port() const { return http_port_; }

  /// What `/channels?topic=<topic>` answers (default: none).
  void set_channels(const std::string& topic, std::vector<std::string> channels) {
    std::lock_guard<std::mutex> g{mtx_};
    channels_[topic] = std::move(channels);
  }

  /// Delays every `/channels` answer by `d` (a slow lookupd).
  void set_http_delay(std::chrono::milliseconds d) { http_delay_ms_ = d.count(); }

  /// Every command line received on every connection, in order, e.g.
  /// `MAGIC   V1`, `IDENTIFY {...}`, `REGISTER lk`, `PING`; a new connection
  /// starts with `CONNECT`.
  std::vector<std::string> commands() const {
    std::lock_guard<std::mutex> g{mtx_};
    return commands_;
  }

  /// The commands without PINGs (they come every 15 s, whenever).
  std::vector<std::string> commands_without_ping() const {
    std::vector<std::string> out;
    for (auto& c : commands())
      if (c != "PING")
        out.push_back(c);
    return out;
  }

  /// Every HTTP request head (request line and headers).
  std::vector<std::string> http_requests() const {
    std::lock_guard<std::mutex> g{mtx_};
    return http_requests_;
  }

  /// Polls until `done(commands())` holds or `limit` passes.
  bool wait_for(const std::function<bool(const std::vector<std::string>&)>& done,
                std::chrono::milliseconds limit = std::chrono::seconds(15)) const {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done(commands()))
        return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return done(commands());
  }

  /// Waits until `count` commands equal to `cmd` arrived.
  bool wait_count(const std::string& cmd, size_t count,
                  std::chrono::milliseconds limit = std::chrono::seconds(15)) const {
    return wait_for(
        [&](const std::vector<std::string>& v) {
          return static_cast<size_t>(std::count(v.begin(), v.end(), cmd)) >= count;
        },
        limit);
  }

  /// Shuts down like nsqlookupd: listeners and every client socket closed.
  void stop() {
    if (stopped_)
      return;
    stopped_ = true;
    acceptor_.join();
    http_acceptor_.join();
    for (auto& t : workers_)
      t.join();
    workers_.clear();
    ::close(tcp_fd_);
    ::close(http_fd_);
  }

  /// Starts again on the same ports (an nsqlookupd restart).
  void restart() {
    stop();
    tcp_fd_ = listen_on(tcp_port_, tcp_port_);
    http_fd_ = listen_on(http_port_, http_port_);
    stopped_ = false;
    start_threads();
  }

private:
  static int listen_on(uint16_t want, uint16_t& got) {
    // CLOEXEC: an nsqd started later must not inherit (and keep open) our
    // listener, or a restart could not bind the port again.
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(want);
    int bound = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    INFO("bind 127.0.0.1:" << want << ": " << std::strerror(errno));
    REQUIRE(bound == 0);
    REQUIRE(::listen(fd, 64) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    got = ntohs(addr.sin_port);
    return fd;
  }

  void start_threads() {
    acceptor_ = std::thread([this] { accept_loop(tcp_fd_, false); });
    http_acceptor_ = std::thread([this] { accept_loop(http_fd_, true); });
  }

  void accept_loop(int fd, bool http) {
    while (!stopped_) {
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 20) <= 0)
        continue;
      int c = ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
      if (c < 0)
        continue;
      std::lock_guard<std::mutex> g{mtx_};
      workers_.emplace_back([this, c, http] {
        if (http)
          serve_http(c);
        else
          serve_tcp(c);
        ::close(c);
      });
    }
  }

  /// Appends what arrives within 20 ms; false on EOF or stop.
  bool fill(int fd, std::string& buf) {
    if (stopped_)
      return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0)
      return true;
    char chunk[4096];
    auto got = ::recv(fd, chunk, sizeof chunk, 0);
    if (got <= 0)
      return false;
    buf.append(chunk, static_cast<size_t>(got));
    return true;
  }

  /// Takes exactly `n` bytes into `out`; false on EOF or stop.
  bool read_exact(int fd, std::string& buf, size_t n, std::string& out) {
    while (buf.size() < n)
      if (!fill(fd, buf))
        return false;
    out = buf.substr(0, n);
    buf.erase(0, n);
    return true;
  }

  /// Takes one line without its `\n`; false on EOF or stop.
  bool read_line(int fd, std::string& buf, std::string& line) {
    for (;;) {
      auto nl = buf.find('\n');
      if (nl != std::string::npos) {
        line = buf.substr(0, nl);
        buf.erase(0, nl + 1);
        return true;
      }
      if (!fill(fd, buf))
        return false;
    }
  }

  void record(std::string s) {
    std::lock_guard<std::mutex> g{mtx_};
    commands_.push_back(std::move(s));
  }

  /// nsqlookupd's framing: a 4-byte big-endian size, then the data (§3.2).
  void answer(int fd, const std::string& data) {
    if (black_hole_)
      return;
    uint32_t n = htonl(static_cast<uint32_t>(data.size()));
    std::string out(reinterpret_cast<const char*>(&n), 4);
    out += data;
    ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
  }

  std::string identify_answer() const {
    return R"({"broadcast_address":"127.0.0.1","hostname":"fake","http_port":)" +
           std::to_string(http_port_) + R"(,"tcp_port":)" + std::to_string(tcp_port_) +
           R"(,"version":"1.3.0"})";
  }

  void serve_tcp(int fd) {
    std::string buf;
    std::string magic;
    record("CONNECT");
    if (!read_exact(fd, buf, 4, magic))
      return;
    record("MAGIC " + magic);
    if (magic != "  V1")
      return answer(fd, "E_BAD_PROTOCOL");
    bool identified = false;
    std::string line;
    while (read_line(fd, buf, line)) {
      auto verb = line.substr(0, line.find(' '));
      if (verb == "IDENTIFY") {
        std::string size_bytes, body;
        if (identified)
          return answer(fd, "E_INVALID cannot IDENTIFY again");
        if (!read_exact(fd, buf, 4, size_bytes))
          return;
        uint32_t n;
        std::memcpy(&n, size_bytes.data(), 4);
        if (!read_exact(fd, buf, ntohl(n), body))
          return;
        record("IDENTIFY " + body);
        identified = true;
        answer(fd, identify_answer());
      } else if (verb == "PING") {
        record(line);
        answer(fd, "OK");
      } else if (verb == "REGISTER" || verb == "UNREGISTER") {
        record(line);
        if (!identified)
          return answer(fd, "E_INVALID client must IDENTIFY");
        answer(fd, "OK");
      } else {
        record(line);
        return answer(fd, "E_INVALID invalid command " + verb);
      }
    }
    if (!stopped_)
      record("EOF"); // nsqd closed the connection
  }

  void serve_http(int fd) {
    std::string buf;
    std::string line;
    std::string head;
    while (read_line(fd, buf, line)) {
      if (line == "\r" || line.empty())
        break;
      head += line + "\n";
    }
    {
      std::lock_guard<std::mutex> g{mtx_};
      http_requests_.push_back(head);
    }
    std::string topic;
    auto at = head.find("topic=");
    if (at != std::string::npos)
      topic = head.substr(at + 6, head.find_first_of(" &", at) - at - 6);
    if (auto pct = topic.find("%23"); pct != std::string::npos)
      topic.replace(pct, 3, "#");
    auto until =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(http_delay_ms_);
    while (!stopped_ && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::string body = R"({"channels":[)";
    {
      std::lock_guard<std::mutex> g{mtx_};
      auto& chans = channels_[topic];
      for (size_t i = 0; i < chans.size(); ++i)
        body += (i ? ",\"" : "\"") + chans[i] + "\"";
    }
    body += "]}";
    std::string out =
        "HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n"
        "X-Nsq-Content-Type: nsq; version=1.0\r\nContent-Length: " +
        std::to_string(body.size()) + "\r\n\r\n" + body;
    ::send(fd, out.data(), out.size(), MSG_NOSIGNAL);
  }

  bool black_hole_;
  int tcp_fd_ = -1;
  int http_fd_ = -1;
  uint16_t tcp_port_ = 0;
  uint16_t http_port_ = 0;
  std::atomic<bool> stopped_{false};
  std::atomic<long> http_delay_ms_{0};
  std::thread acceptor_;
  std::thread http_acceptor_;
  std::vector<std::thread> workers_;
  mutable std::mutex mtx_;
  std::vector<std::string> commands_;
  std::vector<std::string> http_requests_;
  std::map<std::string, std::vector<std::string>> channels_;
};

} // namespace e2e
