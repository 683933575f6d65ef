#include "net/go_error.hpp"

#include <boost/asio/error.hpp>

#include <cctype>

namespace nsq {

std::string go_error(const boost::system::error_code& ec) {
  if (ec == boost::asio::error::eof)
    return "EOF";
  auto text = ec.message();
  if (!text.empty())
    text[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(text[0])));
  return text;
}

} // namespace nsq
