#include "bench/start.hpp"

#include "bench/report.hpp"

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <sys/resource.h>
#include <thread>

namespace bench {

std::optional<boost::asio::ip::tcp::endpoint> resolve_address(const std::string& address,
                                                              std::string& error) {
  auto colon = address.rfind(':');
  if (colon == std::string::npos) {
    error = "address " + address + ": missing port";
    return std::nullopt;
  }
  auto host = address.substr(0, colon);
  auto port = address.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  boost::asio::io_context ioc;
  boost::system::error_code ec;
  auto results = boost::asio::ip::tcp::resolver(ioc).resolve(host, port, ec);
  if (ec || results.empty()) {
    error = "resolve " + address + ": " + (ec ? ec.message() : "no address");
    return std::nullopt;
  }
  return results.begin()->endpoint();
}

bool sleep_until_deadline(const std::string& deadline, const std::string& prefix,
                          std::string& error) {
  if (deadline.empty())
    return true;
  std::tm t{};
  char rest = 0;
  if (std::sscanf(deadline.c_str(), "%4d-%2d-%2d %2d:%2d:%2d%c", &t.tm_year, &t.tm_mon,
                  &t.tm_mday, &t.tm_hour, &t.tm_min, &t.tm_sec, &rest) != 6) {
    error = "parsing time \"" + deadline + "\" as \"2006-01-02 15:04:05\"";
    return false;
  }
  t.tm_year -= 1900;
  t.tm_mon -= 1;
  auto when = std::chrono::system_clock::from_time_t(::timegm(&t));
  auto wait = when - std::chrono::system_clock::now();
  log_line(prefix,
           "sleeping until " + deadline + " (" +
               std::to_string(
                   std::chrono::duration_cast<std::chrono::milliseconds>(wait).count()) +
               "ms)");
  if (wait > std::chrono::hours(24)) {
    error = "deadline more than 24h away";
    return false;
  }
  if (wait > wait.zero())
    std::this_thread::sleep_for(wait);
  return true;
}

std::string await_start(run_state& run, const std::string& deadline,
                        const std::string& prefix, const std::string& what) {
  if (!run.ready.wait_for(std::chrono::seconds(30)))
    return "connections not " + what + " within 30s";
  if (run.failed)
    return run.first_error();
  std::string error;
  sleep_until_deadline(deadline, prefix, error);
  return error;
}

void raise_file_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim); // best effort: fewer connections fit otherwise
  }
}

int64_t default_connections() {
  auto n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int64_t>(n);
}

} // namespace bench
