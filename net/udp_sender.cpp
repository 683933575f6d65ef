#include "net/udp_sender.hpp"

#include "net/address.hpp"

#include <cerrno>
#include <cstring>
#include <netdb.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

namespace nsq {

namespace {

class udp_socket : public datagram_socket {
public:
  explicit udp_socket(int fd) : fd_(fd) {}
  udp_socket(const udp_socket&) = delete;
  udp_socket& operator=(const udp_socket&) = delete;
  ~udp_socket() override { ::close(fd_); }

  void send(const std::string& datagram) override {
    // Errors (ECONNREFUSED from an earlier ICMP answer, EAGAIN) are ignored,
    // as nsqd ignores its writes' errors.
    [[maybe_unused]] auto n =
        ::send(fd_, datagram.data(), datagram.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
  }

private:
  int fd_;
};

/// Connects a non-blocking UDP socket to one resolved address, or returns -1.
int connect_one(const addrinfo& ai) {
  int fd = ::socket(ai.ai_family, ai.ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                    ai.ai_protocol);
  if (fd < 0)
    return -1;
  if (::connect(fd, ai.ai_addr, ai.ai_addrlen) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

} // namespace

std::unique_ptr<datagram_socket> dial_udp(const std::string& address, std::string& err) {
  host_port hp;
  if (!parse_host_port(address, hp)) {
    err = "invalid address " + address;
    return nullptr;
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* found = nullptr;
  auto port = std::to_string(hp.port);
  // An empty host means the local system, as in Go's Dial(":port").
  int rc = ::getaddrinfo(hp.host.empty() ? nullptr : hp.host.c_str(), port.c_str(),
                         &hints, &found);
  if (rc != 0) {
    err = ::gai_strerror(rc);
    return nullptr;
  }
  int fd = -1;
  for (auto* ai = found; ai != nullptr && fd < 0; ai = ai->ai_next)
    fd = connect_one(*ai);
  ::freeaddrinfo(found);
  if (fd < 0) {
    err = std::strerror(errno);
    return nullptr;
  }
  return std::make_unique<udp_socket>(fd);
}

} // namespace nsq
