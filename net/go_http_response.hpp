#pragma once

// What Go's net/http puts on the wire for an answer, shared by caf-nsqd's and
// caf-nsqlookupd's HTTP connections.

#include "protocol/http_response.hpp"

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <memory>

namespace nsq {

using beast_response = boost::beast::http::response<boost::beast::http::string_body>;

/// Go's answer to a request it cannot parse (the connection closes).
http_response go_plain_error(unsigned status, const char* text);

/// `r` as Go's server writes it: Date, Content-Type (text/plain when a body
/// has none), `X-Nsq-Content-Type` (Go canonicalises nsqd's `X-NSQ-...`), and
/// no body for a HEAD request.
std::shared_ptr<beast_response> make_go_response(http_response r, bool keep_alive,
                                                 bool head = false);

} // namespace nsq
