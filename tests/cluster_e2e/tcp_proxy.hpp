#pragma once

// A TCP forwarder on loopback that the cluster's fault tests put between two
// members, to cut the network between them while both processes run.
//
// cut() stops it moving bytes and accepting connections, as a network that
// drops every packet: what is sent stays in the kernel buffers (TCP would
// retransmit it), a close is not seen by the other side, a new connection
// waits in the listen backlog. heal() moves everything again: buffered bytes
// arrive late, a side closed during the cut is now seen closed by the other,
// waiting connections are accepted and forwarded.

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <atomic>
#include <cstdint>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <string>
#include <sys/socket.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace cluster_e2e {

class tcp_proxy {
public:
  /// Listens on a free loopback port and forwards to 127.0.0.1:`target`
  /// (which can be given later, before the first connection).
  explicit tcp_proxy(uint16_t target = 0) : target_(target) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(listener_ >= 0);
    sockaddr_in a = loopback(0);
    REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    REQUIRE(::listen(listener_, 64) == 0);
    socklen_t len = sizeof a;
    REQUIRE(::getsockname(listener_, reinterpret_cast<sockaddr*>(&a), &len) == 0);
    port_ = ntohs(a.sin_port);
    thread_ = std::thread([this] { run(); });
  }

  ~tcp_proxy() {
    stop_ = true;
    thread_.join();
    for (auto& p : pairs_) {
      close_fd(p.fd[0]);
      close_fd(p.fd[1]);
    }
    ::close(listener_);
  }

  tcp_proxy(const tcp_proxy&) = delete;
  tcp_proxy& operator=(const tcp_proxy&) = delete;

  uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  void set_target(uint16_t target) { target_ = target; }

  void cut() { cut_ = true; }
  /// Ends cut() and cut_open_connections().
  void heal() {
    ++heals_;
    cut_ = false;
  }
  /// Cuts only the connections open now: new ones are forwarded (a path
  /// that lost its state, e.g. a NAT or firewall entry, while the network
  /// works).
  void cut_open_connections() { ++freezes_; }

private:
  /// Two sockets forwarding to each other; fd -1 once closed.
  struct pair {
    int fd[2];
    bool frozen = false;
  };

  static sockaddr_in loopback(uint16_t port) {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
  }

  static void close_fd(int& fd) {
    if (fd >= 0)
      ::close(fd);
    fd = -1;
  }

  void accept_one() {
    int in = ::accept(listener_, nullptr, nullptr);
    if (in < 0)
      return;
    int out = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a = loopback(target_);
    if (out < 0 || ::connect(out, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(in);
      if (out >= 0)
        ::close(out);
      return; // the target is gone: the client sees a close, as a refusal
    }
    pairs_.push_back(pair{{in, out}});
  }

  /// Moves what `p.fd[from]` has to the other side; closes both on an end.
  void forward(pair& p, int from) {
    char buf[16384];
    auto n = ::read(p.fd[from], buf, sizeof buf);
    if (n <= 0) {
      close_fd(p.fd[0]);
      close_fd(p.fd[1]);
      return;
    }
    for (ssize_t done = 0; done < n;) {
      auto w = ::write(p.fd[1 - from], buf + done, static_cast<size_t>(n - done));
      if (w <= 0) {
        close_fd(p.fd[0]);
        close_fd(p.fd[1]);
        return;
      }
      done += w;
    }
  }

  void run() {
    while (!stop_) {
      if (cut_) {
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
        continue;
      }
      auto count = pairs_.size(); // accept_one may add one below
      std::vector<pollfd> fds{{listener_, POLLIN, 0}};
      bool freeze = freezes_ != freezes_seen_;
      bool thaw = heals_ != heals_seen_;
      freezes_seen_ = freezes_;
      heals_seen_ = heals_;
      for (auto& p : pairs_) {
        p.frozen = (p.frozen || freeze) && !thaw;
        for (int fd : p.fd)
          fds.push_back({p.frozen ? -1 : fd, POLLIN, 0}); // fd -1: ignored
      }
      if (::poll(fds.data(), fds.size(), 10) <= 0)
        continue;
      if (fds[0].revents != 0)
        accept_one();
      for (size_t k = 0; k < count; ++k)
        for (int side = 0; side < 2; ++side)
          if (fds[1 + 2 * k + side].revents != 0 && pairs_[k].fd[side] >= 0)
            forward(pairs_[k], side);
    }
  }

  std::atomic<uint16_t> target_;
  uint16_t port_ = 0;
  int listener_ = -1;
  std::vector<pair> pairs_; // only the proxy's thread touches it while it runs
  std::atomic<bool> cut_{false};
  std::atomic<int> freezes_{0}; ///< requests to freeze the pairs open then
  std::atomic<int> heals_{0};
  int freezes_seen_ = 0; ///< (the proxy's thread's)
  int heals_seen_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

} // namespace cluster_e2e
