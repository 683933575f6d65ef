#include "storage/status.hpp"

#include <cerrno>
#include <cstring>

namespace nsq::storage {

status status::io_error(std::string context, int err) {
  std::string msg = std::move(context) + ": " + std::strerror(err);
  if (err == ENOSPC || err == EDQUOT)
    return {code::no_space, std::move(msg)};
  return {code::io_error, std::move(msg)};
}

std::string status::to_string() const {
  switch (code_) {
  case code::ok:
    return "OK";
  case code::not_found:
    return "not found: " + message_;
  case code::corruption:
    return "corruption: " + message_;
  case code::io_error:
    return "IO error: " + message_;
  case code::no_space:
    return "no space: " + message_;
  case code::invalid_argument:
    return "invalid argument: " + message_;
  }
  return message_;
}

} // namespace nsq::storage
