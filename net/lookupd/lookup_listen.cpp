#include "net/lookupd/lookup_listen.hpp"

#include "actors/log.hpp"
#include "net/address.hpp"

#include <sstream>

namespace nsq {

namespace asio = boost::asio;

std::string lookup_listen(asio::io_context& ioc, asio::ip::tcp::acceptor& acceptor,
                          const std::string& address, const char* label) {
  using tcp = asio::ip::tcp;
  auto prefix = "listen tcp " + address + ": ";
  host_port hp;
  if (!parse_host_port(address, hp))
    return prefix + "address " + address + ": missing port in address";
  boost::system::error_code ec;
  tcp::endpoint ep{tcp::v4(), hp.port};
  if (!hp.host.empty()) {
    tcp::resolver res{ioc};
    auto found = res.resolve(hp.host, std::to_string(hp.port), ec);
    if (ec || found.empty())
      return prefix + "lookup " + hp.host + ": no such host";
    ep = found.begin()->endpoint();
  }
  acceptor.open(ep.protocol(), ec);
  if (!ec)
    acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec)
    acceptor.bind(ep, ec);
  if (!ec)
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec)
    return prefix + "bind: " + ec.message();
  std::ostringstream where;
  where << acceptor.local_endpoint(ec);
  log_info(std::string(label) + ": listening on " + where.str());
  return {};
}

} // namespace nsq
