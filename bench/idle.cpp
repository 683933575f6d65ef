#include "bench/idle.hpp"

#include "bench/close_all.hpp"
#include "bench/connection.hpp"
#include "bench/io_pool.hpp"
#include "bench/names.hpp"
#include "bench/report.hpp"
#include "bench/run_state.hpp"
#include "bench/start.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>

namespace bench {

namespace {

using clock = std::chrono::steady_clock;
const std::string idle_prefix = "[bench_idle]";

/// Connections opened at once: beyond the listen backlog, connects would
/// only wait for SYN retransmits.
constexpr size_t connects_in_flight = 128;

/// One idle connection: ready once IDENTIFY (and SUB) are answered.
class idler {
public:
  idler(boost::asio::io_context& ioc, std::string hello, int expected, run_state& run)
      : conn_(std::make_shared<connection>(ioc)), hello_(std::move(hello)),
        expected_(expected), run_(run) {}

  /// `opened` runs (once) when this connection is ready or has failed.
  void start(const boost::asio::ip::tcp::endpoint& peer, std::function<void()> opened) {
    opened_ = std::move(opened);
    conn_->start(
        peer, hello_, [this](nsq::frame_type t, std::string_view d) { on_frame(t, d); },
        [this](const std::string& why) { on_close(why); });
  }

  const std::shared_ptr<connection>& conn() const { return conn_; }

private:
  void on_frame(nsq::frame_type type, std::string_view data) {
    if (type == nsq::frame_type::error) {
      on_close("nsqd error: " + std::string(data));
      return;
    }
    if (type == nsq::frame_type::message) {
      // RDY 1 lets one message through; FIN it and stay idle.
      if (data.size() >= 26)
        conn_->send("FIN " + std::string(data.substr(10, 16)) + "\n");
      return;
    }
    if (!ready_ && ++responses_ == expected_)
      mark_ready();
  }

  void mark_ready() {
    ready_ = true;
    run_.ready.count_down();
    if (opened_)
      std::exchange(opened_, nullptr)();
  }

  void on_close(const std::string& why) {
    if (why.empty())
      return;
    run_.record_error(why);
    if (!ready_)
      mark_ready();
    conn_->close();
  }

  std::shared_ptr<connection> conn_;
  std::string hello_;
  int expected_;
  run_state& run_;
  std::function<void()> opened_;
  int responses_ = 0;
  bool ready_ = false;
};

} // namespace

int run_idle(const options& o, const boost::asio::ip::tcp::endpoint& peer) {
  raise_file_limit();
  int64_t per = o.connections ? o.connections : 1;
  int64_t pairs = o.subscribe ? o.topics * o.channels : 1;
  int64_t n = per * pairs;
  io_pool pool(static_cast<size_t>(o.threads ? o.threads : std::min<int64_t>(n, 2)));
  run_state run(n);
  std::vector<std::unique_ptr<idler>> idlers;
  std::string identify = identify_command(
      R"({"client_id":"idle","hostname":"idle","user_agent":"caf-nsq-bench/0.1"})");
  for (int64_t i = 0; i < n; ++i) {
    std::string hello = identify;
    int expected = 1;
    if (o.subscribe) {
      int64_t pair = i % pairs;
      hello += sub_command(nth_name(o.topic, pair / o.channels, o.topics),
                           nth_name(o.channel, pair % o.channels, o.channels)) +
               "RDY 1\n";
      expected = 2;
    }
    idlers.push_back(std::make_unique<idler>(pool.context(static_cast<size_t>(i)),
                                             std::move(hello), expected, run));
  }
  std::vector<std::shared_ptr<connection>> conns;
  for (auto& d : idlers)
    conns.push_back(d->conn());

  // A bounded number of connects in flight: each finished one starts the next.
  auto next = std::make_shared<std::atomic<size_t>>(0);
  std::function<void()> open_next = [&, next] {
    size_t i = next->fetch_add(1);
    if (i >= idlers.size())
      return;
    auto& d = idlers[i];
    boost::asio::post(d->conn()->context(), [&d, &peer, &open_next] {
      d->start(peer, [&open_next] { open_next(); });
    });
  };
  for (size_t k = 0; k < std::min(connects_in_flight, idlers.size()); ++k)
    open_next();

  auto started = clock::now();
  bool opened = run.ready.wait_for(std::chrono::seconds(120));
  auto open_time = clock::now() - started;
  auto fail = [&](const std::string& why) {
    close_all(conns);
    pool.stop();
    log_line(idle_prefix, "error: " + why);
    return 1;
  };
  if (!opened)
    return fail("connections not open within 120s");
  if (run.failed)
    return fail(run.first_error());
  log_line(
      idle_prefix,
      "connected: " + std::to_string(n) + " in " +
          std::to_string(
              std::chrono::duration_cast<std::chrono::milliseconds>(open_time).count()) +
          "ms");
  auto start = clock::now();
  run.done.wait_for(o.runfor); // nothing counts it down: hold for --runfor
  auto held = clock::now() - start;
  close_all(conns);
  pool.stop();
  log_line(idle_prefix,
           "held " + std::to_string(n) + " connections for " +
               std::to_string(
                   std::chrono::duration_cast<std::chrono::milliseconds>(held).count()) +
               "ms");
  if (run.failed) {
    log_line(idle_prefix, "error: " + run.first_error());
    return 1;
  }
  return 0;
}

} // namespace bench
