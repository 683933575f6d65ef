#pragma once

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <netinet/in.h>
#include <poll.h>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <vector>

namespace e2e {

using namespace std::chrono_literals;
using namespace std::string_literals;
using std::chrono::milliseconds;

// -- byte builders ------------------------------------------------------------

/// Returns `v` as 4 big-endian bytes.
inline std::string be32(uint32_t v) {
  std::string out(4, '\0');
  out[0] = static_cast<char>(v >> 24);
  out[1] = static_cast<char>(v >> 16);
  out[2] = static_cast<char>(v >> 8);
  out[3] = static_cast<char>(v);
  return out;
}

/// Returns a server frame: size (4 + data), type, data.
inline std::string frame_bytes(int32_t type, std::string_view data) {
  return be32(static_cast<uint32_t>(4 + data.size())) +
         be32(static_cast<uint32_t>(type)) + std::string(data);
}

inline std::string response_frame(std::string_view data) {
  return frame_bytes(0, data);
}
inline std::string error_frame(std::string_view text) {
  return frame_bytes(1, text);
}
inline const std::string ok_frame = response_frame("OK");
inline const std::string heartbeat_frame = response_frame("_heartbeat_");
inline const std::string close_wait_frame = response_frame("CLOSE_WAIT");

/// `PUB <topic>\n<len><body>`.
inline std::string pub(std::string_view topic, std::string_view body) {
  return "PUB " + std::string(topic) + "\n" + be32(static_cast<uint32_t>(body.size())) +
         std::string(body);
}

/// `DPUB <topic> <ms>\n<len><body>`.
inline std::string dpub(std::string_view topic, uint64_t ms, std::string_view body) {
  return "DPUB " + std::string(topic) + " " + std::to_string(ms) + "\n" +
         be32(static_cast<uint32_t>(body.size())) + std::string(body);
}

/// Returns the MPUB body (without the leading total length): count, then
/// length-prefixed elements.
inline std::string mpub_body(const std::vector<std::string>& bodies) {
  std::string out = be32(static_cast<uint32_t>(bodies.size()));
  for (auto& body : bodies)
    out += be32(static_cast<uint32_t>(body.size())) + body;
  return out;
}

/// `MPUB <topic>\n<total len><count>(<len><body>)*`.
inline std::string mpub(std::string_view topic, const std::vector<std::string>& bodies) {
  auto body = mpub_body(bodies);
  return "MPUB " + std::string(topic) + "\n" + be32(static_cast<uint32_t>(body.size())) +
         body;
}

/// `IDENTIFY\n<len><json>`.
inline std::string identify(std::string_view json) {
  return "IDENTIFY\n" + be32(static_cast<uint32_t>(json.size())) + std::string(json);
}

/// Returns `s` with non-printable bytes escaped, for failure messages.
inline std::string printable(std::string_view s) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xf];
    }
  }
  return out;
}

// -- frames and messages -------------------------------------------------------

/// One frame as read from the server.
struct frame {
  int32_t type = -1;
  std::string data;
  std::string raw; ///< size + type + data, exactly as received
};

/// The payload of a message frame (type 2).
struct message {
  int64_t timestamp = 0;
  uint16_t attempts = 0;
  std::string id;
  std::string body;
};

/// Decodes a message frame; fails the test if it is not one.
inline message parse_message(const frame& f) {
  INFO("frame: " << printable(f.raw));
  REQUIRE(f.type == 2);
  REQUIRE(f.data.size() >= 26);
  message m;
  uint64_t ts = 0;
  for (int i = 0; i < 8; ++i)
    ts = (ts << 8) | static_cast<unsigned char>(f.data[i]);
  m.timestamp = static_cast<int64_t>(ts);
  m.attempts = static_cast<uint16_t>((static_cast<unsigned char>(f.data[8]) << 8) |
                                     static_cast<unsigned char>(f.data[9]));
  m.id = f.data.substr(10, 16);
  m.body = f.data.substr(26);
  return m;
}

/// Returns whether `id` is 16 lowercase hex characters.
inline bool is_hex_id(const std::string& id) {
  return id.size() == 16 && id.find_first_not_of("0123456789abcdef") == std::string::npos;
}

/// Returns the current Unix time in nanoseconds.
inline int64_t unix_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// -- the client ----------------------------------------------------------------

enum class read_status { frame, timeout, closed };

/// A blocking V2 client over loopback whose every read is bounded by poll().
class raw_client {
public:
  explicit raw_client(uint16_t port, bool send_magic = true) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int rc = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    INFO("connect to 127.0.0.1:" << port << ": " << std::strerror(errno));
    REQUIRE(rc == 0);
    // Bound every send too: a server that stops reading must not hang a test.
    timeval limit{5, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit));
    if (send_magic)
      send("  V2");
  }

  raw_client(raw_client&& other) noexcept
      : fd_(other.fd_), buf_(std::move(other.buf_)), closed_(other.closed_) {
    other.fd_ = -1;
  }

  raw_client(const raw_client&) = delete;
  raw_client& operator=(const raw_client&) = delete;
  raw_client& operator=(raw_client&&) = delete;

  ~raw_client() { close(); }

  /// Closes the socket (the server sees EOF).
  void close() {
    if (fd_ >= 0)
      ::close(fd_);
    fd_ = -1;
  }

  /// Half-closes: the server reads EOF, we can still read its answer.
  void shutdown_write() { ::shutdown(fd_, SHUT_WR); }

  /// Sends all bytes; returns false if the server has closed the connection.
  bool try_send(std::string_view bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return false;
      done += static_cast<size_t>(n);
    }
    return true;
  }

  /// Sends all bytes; fails the test if that is impossible.
  void send(std::string_view bytes) {
    INFO("sending " << printable(bytes.substr(0, 200)));
    REQUIRE(try_send(bytes));
  }

  /// Reads one frame within `timeout`.
  read_status try_read(frame& out, milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (buf_.size() >= 8) {
        uint32_t size = decode32(0);
        if (size < 4 || size > max_frame_size)
          FAIL("implausible frame size " << size << " in "
                                         << printable(buf_.substr(0, 64)));
        if (buf_.size() >= 4 + size) {
          out.raw = buf_.substr(0, 4 + size);
          out.type = static_cast<int32_t>(decode32(4));
          out.data = buf_.substr(8, size - 4);
          buf_.erase(0, 4 + size);
          return read_status::frame;
        }
      }
      if (closed_)
        return read_status::closed;
      if (!fill(deadline))
        return closed_ ? read_status::closed : read_status::timeout;
    }
  }

  /// Reads one frame; fails the test on timeout or close.
  frame read_frame(milliseconds timeout = 5s) {
    frame f;
    auto status = try_read(f, timeout);
    if (status == read_status::timeout)
      FAIL("no frame within " << timeout.count() << " ms");
    if (status == read_status::closed)
      FAIL("connection closed while waiting for a frame; unparsed bytes: "
           << printable(buf_));
    return f;
  }

  /// Reads one frame that is not a heartbeat (heartbeats are answered with NOP).
  frame read_non_heartbeat(milliseconds timeout = 5s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto left = std::chrono::duration_cast<milliseconds>(
          deadline - std::chrono::steady_clock::now());
      frame f = read_frame(std::max(left, milliseconds(0)));
      if (f.raw != heartbeat_frame)
        return f;
      send("NOP\n");
    }
  }

  /// Reads one message frame and decodes it.
  message read_message(milliseconds timeout = 5s) {
    return parse_message(read_non_heartbeat(timeout));
  }

  /// Returns true if the server closes the connection within `timeout`;
  /// any bytes received before the close are appended to `before_close`.
  bool closed_within(milliseconds timeout, std::string* before_close = nullptr) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!closed_) {
      if (!fill(deadline) && !closed_)
        break;
    }
    if (before_close)
      *before_close += buf_;
    buf_.clear();
    return closed_;
  }

  /// Returns true if nothing at all arrives within `timeout` (no frame, no close).
  bool silent_for(milliseconds timeout) {
    if (!buf_.empty())
      return false;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    fill(deadline);
    return buf_.empty() && !closed_;
  }

  /// Returns the socket descriptor, for poll().
  int fd() const { return fd_; }

private:
  static constexpr uint32_t max_frame_size = 64 * 1024 * 1024;

  uint32_t decode32(size_t at) const {
    auto b = [&](size_t i) {
      return static_cast<uint32_t>(static_cast<unsigned char>(buf_[at + i]));
    };
    return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
  }

  /// Waits until `deadline` for bytes; returns true if some arrived. An EOF or
  /// a reset sets `closed_`.
  bool fill(std::chrono::steady_clock::time_point deadline) {
    for (;;) {
      auto left = std::chrono::duration_cast<milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd pfd{fd_, POLLIN, 0};
      int rc = ::poll(&pfd, 1, static_cast<int>(std::max<int64_t>(left.count(), 0)));
      if (rc < 0 && errno == EINTR)
        continue;
      if (rc <= 0)
        return false;
      char chunk[65536];
      ssize_t n = ::recv(fd_, chunk, sizeof(chunk), 0);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0) {
        closed_ = true; // EOF, or ECONNRESET when the server closed with unread input
        return false;
      }
      buf_.append(chunk, static_cast<size_t>(n));
      return true;
    }
  }

  int fd_ = -1;
  std::string buf_;
  bool closed_ = false;
};

/// Expects exactly the error frame `text` and then the server closing the
/// connection (a fatal error).
inline void expect_fatal(raw_client& c, std::string_view text) {
  frame f;
  auto status = c.try_read(f, 5s);
  INFO("expected fatal error: " << text);
  // CHECK, not REQUIRE: table-driven callers go on with their next case.
  CHECK(status == read_status::frame);
  if (status != read_status::frame)
    return;
  CHECK(printable(f.raw) == printable(error_frame(text)));
  CHECK(c.closed_within(3s));
}

/// Expects exactly the error frame `text`, with the connection staying open.
inline void expect_nonfatal(raw_client& c, std::string_view text) {
  frame f = c.read_non_heartbeat();
  CHECK(printable(f.raw) == printable(error_frame(text)));
  c.send(pub("still_open", "x"));
  frame ok = c.read_non_heartbeat();
  INFO("connection must stay usable after a non-fatal error");
  CHECK(printable(ok.raw) == printable(ok_frame));
}

/// Expects exactly the `OK` response.
inline void expect_ok(raw_client& c) {
  frame f = c.read_non_heartbeat();
  CHECK(printable(f.raw) == printable(ok_frame));
}

/// Connects, optionally IDENTIFYs (expecting `OK` for a non-negotiating body),
/// SUBscribes and sends `RDY rdy` (unless negative).
inline raw_client subscriber(uint16_t port, std::string_view topic,
                             std::string_view channel, int rdy,
                             std::string_view identify_json = "") {
  raw_client c{port};
  if (!identify_json.empty()) {
    c.send(identify(identify_json));
    expect_ok(c);
  }
  c.send("SUB " + std::string(topic) + " " + std::string(channel) + "\n");
  expect_ok(c);
  if (rdy >= 0)
    c.send("RDY " + std::to_string(rdy) + "\n");
  return c;
}

/// Publishes `bodies` on a fresh connection, expecting `OK` for each.
inline void publish(uint16_t port, std::string_view topic,
                    const std::vector<std::string>& bodies) {
  raw_client c{port};
  for (auto& body : bodies) {
    c.send(pub(topic, body));
    expect_ok(c);
  }
}

} // namespace e2e
