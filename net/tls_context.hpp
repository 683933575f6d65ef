#pragma once

#include "protocol/settings.hpp"

#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>

namespace nsq {

/// Builds the server-side TLS context of the TCP upgrade and the HTTPS
/// listener from --tls-cert, --tls-key, --tls-client-auth-policy,
/// --tls-root-ca-file and --tls-min-version (reference §10). Returns null and
/// sets `err` (the text after `failed to build TLS config - `) on failure.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const settings& cfg,
                                                            std::string& err);

} // namespace nsq
