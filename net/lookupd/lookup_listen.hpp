#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <string>

namespace nsq {

/// Binds `acceptor` to `address` (`host:port`); "" on success, else the
/// text after `listen (<addr>) failed - `. Logs `<label>: listening on`.
std::string lookup_listen(boost::asio::io_context& ioc,
                          boost::asio::ip::tcp::acceptor& acceptor,
                          const std::string& address, const char* label);

} // namespace nsq
