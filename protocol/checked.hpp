#pragma once

#include "protocol/errors.hpp"

#include <variant>

namespace nsq {

/// A value, or the client error that prevented it. Errors are values here:
/// nothing on the protocol path throws.
template <class T>
using checked = std::variant<T, client_error>;

template <class T>
bool is_error(const checked<T>& x) {
  return std::holds_alternative<client_error>(x);
}

template <class T>
const client_error& error_of(const checked<T>& x) {
  return std::get<client_error>(x);
}

} // namespace nsq
