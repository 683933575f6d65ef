// caf-nsqd: flags, startup checks, wiring of broker and TCP listener, and
// the clean shutdown on SIGINT/SIGTERM.

#include "actors/broker.hpp"
#include "actors/log.hpp"
#include "actors/messages.hpp"
#include "app/data_lock.hpp"
#include "app/node_id.hpp"
#include "app/options.hpp"
#include "app/version.hpp"
#include "net/http_server.hpp"
#include "net/tcp_server.hpp"

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
#include <string>
#include <thread>

namespace asio = boost::asio;

namespace {

int fatal(const std::string& why) {
  nsq::log_line(nsq::log_level::fatal, "failed to instantiate nsqd - " + why);
  return 1;
}

/// Our CAF settings. argv is not given to CAF: the flags are nsqd's.
void configure(caf::actor_system_config& cfg) {
  nsq::add_message_types(cfg);
  cfg.set("scheduler.max-threads", 2);
  // By default an actor drains its whole mailbox before yielding its
  // thread; a cap keeps one busy topic or session from starving the others.
  cfg.set("scheduler.max-throughput", 300);
  cfg.set("logger.file-verbosity", caf::atom("quiet"));
  cfg.set("logger.console-verbosity", caf::atom("quiet"));
  cfg.set("logger.console", caf::atom("none"));
}

/// Serves until SIGINT or SIGTERM, then shuts down in order: no new
/// clients, close the live ones (their sessions quit), stop the broker,
/// wait for every actor, stop the io thread.
int serve(const nsq::settings& opts) {
  asio::io_context ioc; // before the actor system: destroyed after it
  caf::actor_system_config cfg;
  configure(cfg);
  caf::actor_system sys{cfg};
  auto shared = std::make_shared<const nsq::settings>(opts);
  // Handle signals before announcing the listener: a supervisor (or test)
  // may send SIGTERM as soon as it reads that line.
  std::promise<int> signalled;
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    signalled.set_value(ec ? 0 : signo);
  });
  auto broker = nsq::spawn_broker(sys, shared);
  auto start_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
  nsq::http_server http{ioc, sys};
  bool http_on = !opts.http_address.empty();
  if (http_on) {
    if (auto err = http.listen(opts.http_address); !err.empty()) {
      caf::anon_send_exit(broker, caf::exit_reason::user_shutdown);
      sys.await_all_actors_done();
      return fatal("listen (" + opts.http_address + ") failed - " + err);
    }
  }
  nsq::tcp_server server{ioc, sys, broker, shared};
  if (auto err = server.listen(opts.tcp_address); !err.empty()) {
    caf::anon_send_exit(broker, caf::exit_reason::user_shutdown);
    sys.await_all_actors_done();
    return fatal("listen (" + opts.tcp_address + ") failed - " + err);
  }
  server.start();
  if (http_on) {
    auto ctx = std::make_shared<nsq::http_context>();
    ctx->broker = broker;
    ctx->cfg = shared;
    ctx->banner = nsq::version_banner();
    ctx->hostname = nsq::os_hostname();
    ctx->broadcast_address =
        opts.broadcast_address.empty() ? ctx->hostname : opts.broadcast_address;
    ctx->start_time_ns = start_ns;
    ctx->tcp_port = server.local_endpoint().port();
    ctx->http_port = http.port();
    http.start(ctx);
  }

  auto work = asio::make_work_guard(ioc);
  std::thread io([&] { ioc.run(); });

  auto signo = signalled.get_future().get();
  nsq::log_info("signal " + std::to_string(signo) + " received - shutting down");
  server.stop();
  http.stop();
  caf::anon_send_exit(broker, caf::exit_reason::user_shutdown);
  broker = nullptr;
  sys.await_all_actors_done(); // sessions quit once their sockets closed
  server.abort_all();          // sockets still waiting for their peer's EOF
  work.reset();
  io.join();
  nsq::log_info("bye");
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  // A write to a vanished client must fail with EPIPE, not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  nsq::settings opts;
  switch (nsq::parse_options(argc, argv, opts)) {
  case nsq::options_outcome::exit_success:
    return 0;
  case nsq::options_outcome::exit_failure:
    return 1;
  case nsq::options_outcome::run:
    break;
  }
  nsq::log_info(nsq::version_banner());
  nsq::data_lock lock;
  if (auto err = lock.acquire(opts.data_path); !err.empty())
    return fatal(err);
  if (auto err = nsq::validate(opts); !err.empty())
    return fatal(err);
  nsq::log_info("ID: " + std::to_string(opts.node_id));
  return serve(opts);
}
