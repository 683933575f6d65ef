#include "net/address.hpp"

namespace nsq {

bool parse_host_port(std::string_view text, host_port& out) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos)
    return false;
  auto host = text.substr(0, colon);
  auto port = text.substr(colon + 1);
  if (!host.empty() && host.front() == '[') {
    if (host.size() < 2 || host.back() != ']')
      return false;
    host = host.substr(1, host.size() - 2);
  } else if (host.find(':') != std::string_view::npos) {
    return false; // an unbracketed IPv6 address is ambiguous (Go refuses it too)
  }
  if (port.empty() || port.size() > 5)
    return false;
  uint32_t value = 0;
  for (char c : port) {
    if (c < '0' || c > '9')
      return false;
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value > 65535)
    return false;
  out.host = std::string(host);
  out.port = static_cast<uint16_t>(value);
  return true;
}

} // namespace nsq
