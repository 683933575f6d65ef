#include "bench/floor.hpp"

#include "protocol/command_parser.hpp"
#include "protocol/frame.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <csignal>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

namespace bench {

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

/// One client: read, parse, answer every command that nsqd answers.
class floor_connection : public std::enable_shared_from_this<floor_connection> {
public:
  explicit floor_connection(tcp::socket socket)
      : socket_(std::move(socket)), parser_(nsq::settings{}) {}

  void read() {
    socket_.async_read_some(asio::buffer(buffer_),
                            [self = shared_from_this()](auto ec, size_t n) {
                              if (!ec && self->answer({self->buffer_.data(), n}))
                                self->read();
                            });
  }

private:
  bool answer(std::string_view bytes) {
    commands_.clear();
    if (parser_.feed(bytes, commands_) != nsq::command_parser::status::ok)
      return false;
    std::string out;
    bool subscribed = false;
    for (const auto& cmd : commands_) {
      if (cmd.name == "SUB") {
        // It stores nothing, so it has nothing to deliver: a reader fails
        // at once instead of waiting out its time limit.
        nsq::append_frame(out, nsq::frame_type::error,
                          "E_INVALID the floor delivers nothing");
        subscribed = true;
        break;
      }
      if (cmd.name != "NOP" && cmd.name != "FIN" && cmd.name != "RDY")
        nsq::append_frame(out, nsq::frame_type::response, "OK");
    }
    boost::system::error_code ec;
    if (!out.empty())
      asio::write(socket_, asio::buffer(out), ec); // a blocking write, as a floor
    return !ec && !subscribed;
  }

  tcp::socket socket_;
  nsq::command_parser parser_;
  std::array<char, 64 * 1024> buffer_;
  std::vector<nsq::command> commands_;
};

void accept(tcp::acceptor& acceptor) {
  acceptor.async_accept([&acceptor](auto ec, tcp::socket socket) {
    if (ec)
      return;
    socket.set_option(tcp::no_delay(true), ec);
    std::make_shared<floor_connection>(std::move(socket))->read();
    accept(acceptor);
  });
}

} // namespace

int run_floor(const options&, const tcp::endpoint& address) {
  asio::io_context io;
  tcp::acceptor acceptor{io, address};
  auto bound = acceptor.local_endpoint();
  std::fprintf(stderr, "TCP: listening on %s:%u\n", bound.address().to_string().c_str(),
               static_cast<unsigned>(bound.port()));
  std::fflush(stderr);
  asio::signal_set signals{io, SIGINT, SIGTERM};
  signals.async_wait([&io](auto, int) { io.stop(); });
  accept(acceptor);
  io.run();
  return 0;
}

} // namespace bench
