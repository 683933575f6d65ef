// caf-nsqlookupd: flags and config, the registry actor, the TCP and HTTP
// listeners, and the clean shutdown on SIGINT/SIGTERM.

#include "actors/log.hpp"
#include "actors/lookupd/lookup_messages.hpp"
#include "actors/lookupd/lookup_registry.hpp"
#include "actors/lookupd/lookup_session.hpp"
#include "app/hostname.hpp"
#include "app/nsqlookupd/lookupd_options.hpp"
#include "app/startup_pages.hpp"
#include "net/io_loop.hpp"
#include "net/lookupd/lookup_http_server.hpp"
#include "net/lookupd/lookup_tcp_server.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/atom.hpp>
#include <caf/exit_reason.hpp>
#include <caf/send.hpp>

#include <chrono>
#include <csignal>
#include <future>
#include <memory>
#include <thread>

namespace asio = boost::asio;

namespace {

int fatal(const std::string& why) {
  nsq::log_fatal("failed to instantiate nsqlookupd - " + why); // waits for stderr
  return 1;
}

void configure(caf::actor_system_config& cfg) {
  nsq::add_lookup_message_types(cfg);
  cfg.set("scheduler.max-threads", 1); // one registry, light sessions
  cfg.set("logger.file-verbosity", caf::atom("quiet"));
  cfg.set("logger.console-verbosity", caf::atom("quiet"));
  cfg.set("logger.console", caf::atom("none"));
}

nsq::lookup_liveness liveness_of(const nsq::lookupd_settings& s) {
  nsq::lookup_liveness l;
  l.inactive_timeout = std::chrono::nanoseconds(s.inactive_producer_timeout).count();
  l.tombstone_lifetime = std::chrono::nanoseconds(s.tombstone_lifetime).count();
  return l;
}

/// Serves until SIGINT or SIGTERM: no new clients, close the live ones
/// (their sessions quit), stop the registry, wait for every actor.
int serve(const nsq::lookupd_settings& opts) {
  asio::io_context ioc; // before the actor system: destroyed after it
  caf::actor_system_config cfg;
  configure(cfg);
  caf::actor_system sys{cfg};
  std::promise<int> signalled;
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    signalled.set_value(ec ? 0 : signo);
  });
  auto registry = nsq::spawn_lookup_registry(sys, liveness_of(opts));
  auto stop_registry = [&] {
    caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
    registry = nullptr;
  };
  // TCP first, then HTTP, like nsqlookupd.
  nsq::lookup_tcp_server tcp{ioc, sys, registry};
  if (auto err = tcp.listen(opts.tcp_address); !err.empty()) {
    stop_registry();
    return fatal("listen (" + opts.tcp_address + ") failed - " + err);
  }
  nsq::lookup_http_server http{ioc, sys, registry};
  if (auto err = http.listen(opts.http_address); !err.empty()) {
    stop_registry();
    return fatal("listen (" + opts.http_address + ") failed - " + err);
  }
  auto me = std::make_shared<nsq::lookup_identity>();
  me->hostname = nsq::os_hostname();
  me->broadcast_address =
      opts.broadcast_address.empty() ? me->hostname : opts.broadcast_address;
  me->http_port = http.port();
  me->tcp_port = tcp.port();
  tcp.start(me);
  http.start();

  auto work = asio::make_work_guard(ioc);
  // As in caf-nsqd: the pages only startup needed leave the RSS.
  nsq::startup_pages_release startup_pages{ioc};
  std::thread io([&] { nsq::run_io_loop(ioc, std::chrono::microseconds(50)); });
  auto signo = signalled.get_future().get();
  nsq::log_info("signal " + std::to_string(signo) + " received - shutting down");
  tcp.stop();
  http.stop();
  stop_registry();
  sys.await_all_actors_done();
  startup_pages.cancel();
  work.reset();
  io.join();
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  nsq::set_log_prefix("[nsqlookupd] ");
  nsq::lookupd_settings opts;
  switch (nsq::parse_lookupd_options(argc, argv, opts)) {
  case nsq::lookupd_outcome::exit_success:
    return 0;
  case nsq::lookupd_outcome::exit_usage:
    return 2;
  case nsq::lookupd_outcome::exit_failure:
    nsq::log_flush(); // the FATAL line waits in the log writer
    return 1;
  case nsq::lookupd_outcome::run:
    break;
  }
  nsq::set_log_prefix(opts.log_prefix);
  nsq::log_level level = nsq::log_level::info;
  nsq::parse_log_level(opts.log_level, level);
  nsq::set_log_level(level);
  nsq::log_info(nsq::lookupd_banner());
  auto rc = serve(opts);
  nsq::log_flush(); // the writer thread holds the last lines
  return rc;
}
