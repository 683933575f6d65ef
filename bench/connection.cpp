#include "bench/connection.hpp"

#include "bench/big_endian.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>

#include <cstring>

namespace bench {

namespace asio = boost::asio;
using boost::system::error_code;

namespace {

/// The largest frame accepted: nsqd's max message (1 MiB) with room to spare.
constexpr size_t max_frame_size = 64 * 1024 * 1024;
constexpr size_t initial_buffer = 256 * 1024;
constexpr auto connect_timeout = std::chrono::seconds(10);

uint32_t read_be32(const char* p) {
  auto b = [p](int i) { return static_cast<uint32_t>(static_cast<unsigned char>(p[i])); };
  return (b(0) << 24) | (b(1) << 16) | (b(2) << 8) | b(3);
}

} // namespace

std::string identify_command(const std::string& json) {
  std::string out = "IDENTIFY\n";
  append_be32(out, static_cast<uint32_t>(json.size()));
  return out + json;
}

std::string sub_command(const std::string& topic, const std::string& channel) {
  return "SUB " + topic + " " + channel + "\n";
}

connection::connection(asio::io_context& ioc)
    : ioc_(ioc), socket_(ioc), connect_timer_(ioc), in_(initial_buffer) {}

void connection::start(const asio::ip::tcp::endpoint& peer, std::string hello,
                       frame_handler on_frame, close_handler on_close) {
  on_frame_ = std::move(on_frame);
  on_close_ = std::move(on_close);
  auto self = shared_from_this();
  connect_timer_.expires_after(connect_timeout);
  connect_timer_.async_wait([this, self](const error_code& ec) {
    if (!ec && !open_)
      fail("connect timed out");
  });
  socket_.async_connect(
      peer, [this, self, hello = std::move(hello)](const error_code& ec) {
        connect_timer_.cancel();
        if (ec) {
          fail("connect: " + ec.message());
          return;
        }
        if (closed_reported_)
          return;
        open_ = true;
        error_code ignored;
        socket_.set_option(asio::ip::tcp::no_delay(true), ignored); // best effort
        send(std::string("  V2") + hello);
        read_more();
      });
}

void connection::send(std::string_view bytes) {
  if (!open_)
    return;
  pending_.append(bytes.data(), bytes.size());
  if (!dispatching_)
    flush();
}

void connection::flush() {
  if (writing_now_ || pending_.empty() || !open_)
    return;
  writing_.swap(pending_);
  pending_.clear();
  writing_now_ = true;
  auto self = shared_from_this();
  asio::async_write(socket_, asio::buffer(writing_),
                    [this, self](const error_code& ec, size_t) {
                      writing_now_ = false;
                      writing_.clear();
                      if (ec) {
                        fail("write: " + ec.message());
                        return;
                      }
                      flush();
                    });
}

void connection::read_more() {
  if (in_end_ == in_.size()) { // the buffer is full of one partial frame
    if (in_.size() >= max_frame_size + 8) {
      fail("frame too large");
      return;
    }
    in_.resize(in_.size() * 2);
  }
  auto self = shared_from_this();
  socket_.async_read_some(asio::buffer(in_.data() + in_end_, in_.size() - in_end_),
                          [this, self](const error_code& ec, size_t n) {
                            if (ec) {
                              fail(ec == asio::error::eof ? "closed by nsqd"
                                                          : "read: " + ec.message());
                              return;
                            }
                            in_end_ += n;
                            dispatch();
                            if (open_)
                              read_more();
                          });
}

void connection::dispatch() {
  dispatching_ = true;
  while (open_ && in_end_ - in_begin_ >= 8) {
    const char* head = in_.data() + in_begin_;
    uint32_t size = read_be32(head);
    if (size < 4 || size > max_frame_size) {
      fail("malformed frame size");
      break;
    }
    if (in_end_ - in_begin_ < 4 + static_cast<size_t>(size))
      break;
    uint32_t type = read_be32(head + 4);
    std::string_view data(head + 8, size - 4);
    in_begin_ += 4 + size;
    if (type == 0 && data == "_heartbeat_")
      pending_ += "NOP\n";
    else if (type <= 2)
      on_frame_(static_cast<nsq::frame_type>(type), data);
    else
      fail("unknown frame type");
  }
  dispatching_ = false;
  // Move the partial frame to the front so the next read has room.
  if (in_begin_ > 0) {
    std::memmove(in_.data(), in_.data() + in_begin_, in_end_ - in_begin_);
    in_end_ -= in_begin_;
    in_begin_ = 0;
  }
  flush();
}

void connection::close() {
  if (closed_reported_)
    return;
  fail("");
}

void connection::fail(const std::string& why) {
  open_ = false;
  error_code ignored;
  connect_timer_.cancel();
  socket_.close(ignored);
  if (closed_reported_)
    return;
  closed_reported_ = true;
  if (on_close_)
    on_close_(why);
}

} // namespace bench
