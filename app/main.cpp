// caf-nsqd: flags, startup checks, wiring of broker and TCP listener, and
// the clean shutdown on SIGINT/SIGTERM.

#include "actors/broker.hpp"
#include "actors/log.hpp"
#include "actors/messages.hpp"
#include "app/cluster_start.hpp"
#include "app/data_lock.hpp"
#include "app/durable_start.hpp"
#include "app/fd_limit.hpp"
#include "app/hostname.hpp"
#include "app/id_lease.hpp"
#include "app/lookupd_start.hpp"
#include "app/malloc_tuning.hpp"
#include "app/options.hpp"
#include "app/startup_pages.hpp"
#include "app/statsd_start.hpp"
#include "app/version.hpp"
#include "net/http_client.hpp"
#include "net/http_server.hpp"
#include "net/tcp_server.hpp"
#include "net/tls_context.hpp"

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
  // nsqd prints this through its own logFatal, always with "[nsqd] "
  // (set_log_prefix first writes the lines queued under the old prefix).
  nsq::set_log_prefix("[nsqd] ");
  nsq::log_fatal("failed to instantiate nsqd - " + why); // waits for stderr
  return 1;
}

/// Our CAF settings. argv is not given to CAF: the flags are nsqd's.
void configure(caf::actor_system_config& cfg, const nsq::settings& opts) {
  nsq::add_message_types(cfg);
  cfg.set("scheduler.max-threads", opts.scheduler_threads); // --scheduler-threads
  // By default an actor drains its whole mailbox before yielding its
  // thread; a cap keeps one busy topic or session from starving the others.
  cfg.set("scheduler.max-throughput", 300);
  cfg.set("logger.file-verbosity", caf::atom("quiet"));
  cfg.set("logger.console-verbosity", caf::atom("quiet"));
  cfg.set("logger.console", caf::atom("none"));
  // Work stealing, tuned for a broker that is mostly waiting on sockets
  // (issue 6; figures from /tmp perf runs of caf-nsq-bench on 2 shared cores,
  // docs/performance.md has the bench/run.sh medians):
  // * No "moderate" phase: after its 100 aggressive polls an idle worker went
  //   on to 500 polls with a 50 us sleep_for each, so every hop of a request
  //   (io thread -> session -> topic -> session) waited out a sleep. Going
  //   straight to the condition variable (which external enqueues notify):
  //   PUB batch-1 round trip p50 128 us -> 38 us, 7.8k -> 26k msg/s on one
  //   connection; consume (RDY 2500) broker CPU ~700 -> ~520 ns/msg.
  //   Longer aggressive spinning (2000) made it worse on 2 shared cores
  //   (p50 47-61 us): the spinner steals the CPU the io thread needs.
  // * The relaxed phase wakes every 30 ms, not CAF's 10 ms: each wake-up of
  //   an idle worker costs ~20 us of CPU on this VM, so with 1,000 topics x
  //   2 channels idle CPU is 0.16 % instead of 0.35-0.6 % (schedstat, 10 s).
  //   The cost: work an actor enqueues on a worker that stays busy waits up
  //   to 30 ms to be stolen. On a quiet machine e2e p99 at 10k msg/s was the
  //   same (~125 us either way); on a host loaded by other builds session 1
  //   saw ~8 ms p99 in 2 of 3 runs (docs/performance.md).
  cfg.set("work-stealing.moderate-poll-attempts", 0);
  cfg.set("work-stealing.relaxed-sleep-duration",
          caf::timespan{std::chrono::milliseconds(30)});
}

/// Serves until SIGINT or SIGTERM, then shuts down in order: no new
/// clients, close the live ones (their sessions quit), stop the broker,
/// wait for every actor, stop the io thread.
int serve(const nsq::settings& opts, std::shared_ptr<asio::ssl::context> tls,
          nsq::broker_startup startup) {
  asio::io_context ioc; // before the actor system: destroyed after it
  caf::actor_system_config cfg;
  configure(cfg, opts);
  nsq::configure_cluster(cfg, opts); // the middleman, only with --cluster-address
  caf::actor_system sys{cfg};
  auto shared = std::make_shared<const nsq::settings>(opts);
  // Handle signals before announcing the listener: a supervisor (or test)
  // may send SIGTERM as soon as it reads that line.
  std::promise<int> signalled;
  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signo) {
    signalled.set_value(ec ? 0 : signo);
  });
  // nsqlookupd registration: the coordinator exists before the broker so
  // topics restored from nsqd.dat register too; it quits with the broker.
  // AUTH queries and lookupd `/channels` GETs: async on the io thread.
  auto http_out = nsq::make_asio_http_client(ioc);
  auto lookupd = nsq::start_lookupd(sys, ioc, opts, http_out);
  auto broker = nsq::spawn_broker(sys, shared, std::move(startup));
  nsq::tie_lookupd_to(lookupd, broker);
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
  // HTTPS serves the same API (§10); only with a TLS cert and key.
  nsq::http_server https{ioc, sys};
  bool https_on = tls && !opts.https_address.empty();
  if (https_on) {
    https.set_security({tls, false, 0});
    if (auto err = https.listen(opts.https_address); !err.empty()) {
      caf::anon_send_exit(broker, caf::exit_reason::user_shutdown);
      sys.await_all_actors_done();
      return fatal("listen (" + opts.https_address + ") failed - " + err);
    }
  }
  if (opts.tls_required == nsq::settings::tls_policy::required)
    http.set_security({nullptr, true, https_on ? https.port() : 0});
  nsq::tcp_server server{ioc, sys, broker, shared};
  server.set_tls(tls);
  server.set_http_client(http_out);
  if (auto err = server.listen(opts.tcp_address); !err.empty()) {
    caf::anon_send_exit(broker, caf::exit_reason::user_shutdown);
    sys.await_all_actors_done();
    return fatal("listen (" + opts.tcp_address + ") failed - " + err);
  }
  auto broadcast =
      opts.broadcast_address.empty() ? nsq::os_hostname() : opts.broadcast_address;
  auto announced = [](int64_t flag, uint16_t bound) {
    return static_cast<uint16_t>(flag != 0 ? flag : bound);
  };
  auto cluster = nsq::start_cluster(
      sys, opts, broker,
      {broadcast, announced(opts.broadcast_tcp_port, server.local_endpoint().port()),
       announced(opts.broadcast_http_port, http_on ? http.port() : 0)});
  if (!cluster.error.empty()) {
    caf::anon_send_exit(broker, caf::exit_reason::user_shutdown);
    sys.await_all_actors_done();
    return fatal(cluster.error);
  }
  server.start();
  nsq::announce_lookupd(lookupd, opts, nsq::os_hostname(), server.local_endpoint().port(),
                        http_on ? http.port() : 0);
  if (http_on || https_on) {
    auto ctx = std::make_shared<nsq::http_context>();
    ctx->broker = broker;
    ctx->cfg = shared;
    ctx->banner = nsq::version_banner();
    ctx->hostname = nsq::os_hostname();
    ctx->broadcast_address =
        opts.broadcast_address.empty() ? ctx->hostname : opts.broadcast_address;
    ctx->start_time_ns = start_ns;
    ctx->tcp_port = server.local_endpoint().port();
    ctx->http_port = http_on ? http.port() : 0;
    ctx->lookupd = lookupd;
    ctx->cluster = cluster.membership;
    if (http_on)
      http.start(ctx);
    if (https_on)
      https.start(ctx);
  }

  // statsd (§15.9): pushes every --statsd-interval once the ports are known.
  auto statsd =
      nsq::start_statsd(sys, broker, shared, http_on ? http.port() : 0, start_ns);

  // The pages only startup needed (the loader's tables, flag parsing, the
  // actor system's setup) need not stay resident while the broker idles.
  nsq::startup_pages_release startup_pages{ioc};
  auto work = asio::make_work_guard(ioc);
  // Polling 50 us after each event before blocking catches most answers from
  // the actors without a wake-up: PUB batch-1 round trip ~87 -> ~56 us on this
  // 2-vCPU VM; MPUB throughput and idle CPU unchanged (docs/performance.md).
  // No polling after each event (net/io_loop): sessions write their answers
  // on their own thread now, so the io thread has nothing to wait for and
  // spinning only burned CPU per request (docs/performance.md, "PUB
  // request/reply path": 20-30 us -> 10-14 us broker CPU per PUB).
  std::thread io([&] { ioc.run(); });

  auto signo = signalled.get_future().get();
  nsq::log_info("signal " + std::to_string(signo) + " received - shutting down");
  http_out->cancel_all(); // lookupd /channels and auth GETs: nsqd does not wait
  server.stop();
  http.stop();
  https.stop();
  if (statsd)
    caf::anon_send_exit(statsd, caf::exit_reason::user_shutdown);
  statsd = nullptr;
  if (cluster.membership)
    caf::anon_send_exit(cluster.membership, caf::exit_reason::user_shutdown);
  cluster.membership = nullptr;
  caf::anon_send_exit(broker, caf::exit_reason::user_shutdown);
  broker = nullptr;
  sys.await_all_actors_done(); // sessions quit once their sockets closed
  server.abort_all();          // sockets still waiting for their peer's EOF
  startup_pages.cancel();
  work.reset();
  io.join();
  nsq::log_info("bye");
  return 0;
}

} // namespace

int main(int argc, char** argv) {
  nsq::tune_malloc(); // before any thread has an arena
  // A write to a vanished client must fail with EPIPE, not kill the process.
  std::signal(SIGPIPE, SIG_IGN);
  // A file-size limit must fail the disk write (E_PUB_FAILED, /ping NOK), not
  // kill the process (Go's runtime ignores SIGXFSZ too).
  std::signal(SIGXFSZ, SIG_IGN);
  nsq::settings opts;
  if (auto outcome = nsq::parse_options(argc, argv, opts);
      outcome != nsq::options_outcome::run)
    return nsq::exit_code(outcome);
  nsq::log_info(nsq::version_banner());
  nsq::data_lock lock;
  if (auto err = lock.acquire(opts.data_path); !err.empty())
    return fatal(err);
  if (auto err = nsq::validate(opts); !err.empty())
    return fatal(err);
  if (auto err = nsq::validate_cluster(opts); !err.empty())
    return fatal(err);
  // Message IDs continue above the last run's (a clock stepped back across a
  // restart must not repeat the ID of a message still on disk).
  nsq::id_lease ids;
  if (auto err = ids.start(opts.data_path); !err.empty())
    return fatal("failed to write the message ID lease - " + err);
  ids.keep_renewing();
  std::shared_ptr<asio::ssl::context> tls;
  if (!opts.tls_cert.empty() || !opts.tls_key.empty()) {
    std::string err;
    tls = nsq::make_tls_context(opts, err);
    if (!tls)
      return fatal("failed to build TLS config - " + err);
  }
  nsq::raise_fd_limit();
  nsq::log_info("ID: " + std::to_string(opts.node_id));
  nsq::broker_startup startup;
  if (auto err = nsq::load_durable_start(opts.data_path, startup); !err.empty())
    return fatal(err);
  auto code = serve(opts, std::move(tls), std::move(startup));
  nsq::log_flush(); // the writer thread holds the last lines
  return code;
}
