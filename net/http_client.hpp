#pragma once

// The Asio/Beast side of actors/http_client: every GET is a handful of
// asynchronous operations on the shared io_context (its own strand), bounded
// by the connect and request timeouts. No thread per request.

#include "actors/http_client.hpp"

#include <boost/asio/io_context.hpp>

#include <memory>

namespace nsq {

/// Returns the client main() gives sessions (AUTH) and the lookupd
/// coordinator (channel discovery). It must not outlive `ioc`.
std::shared_ptr<http_client> make_asio_http_client(boost::asio::io_context& ioc);

} // namespace nsq
