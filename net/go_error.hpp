#pragma once

#include <boost/system/error_code.hpp>

#include <string>

namespace nsq {

/// Returns `ec`'s text as Go prints it: "EOF" for end of stream, syscall
/// errors starting in lower case ("connection refused").
std::string go_error(const boost::system::error_code& ec);

} // namespace nsq
