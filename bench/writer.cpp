#include "bench/writer.hpp"

#include "bench/close_all.hpp"
#include "bench/connection.hpp"
#include "bench/go_nsq_identify.hpp"
#include "bench/io_pool.hpp"
#include "bench/latency.hpp"
#include "bench/names.hpp"
#include "bench/progress.hpp"
#include "bench/publish_command.hpp"
#include "bench/report.hpp"
#include "bench/run_state.hpp"
#include "bench/start.hpp"
#include "bench/timestamp_body.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <optional>

namespace bench {

namespace {

using clock = std::chrono::steady_clock;
const std::string writer_prefix = "[bench_writer]";

/// One publishing connection: one command in flight at a time.
class publisher {
public:
  publisher(boost::asio::io_context& ioc, const options& o, std::string topic,
            uint64_t quota, run_state& run)
      : conn_(std::make_shared<connection>(ioc)), timer_(ioc), opts_(o),
        topic_(std::move(topic)), quota_(quota), run_(run),
        command_(topic_,
                 quota ? std::min<int64_t>(o.batch_size, static_cast<int64_t>(quota))
                       : o.batch_size,
                 o.size) {}

  void start(const boost::asio::ip::tcp::endpoint& peer) {
    std::string hello = identify_command(
        opts_.identify == "go-nsq"
            ? go_nsq_identify_json()
            : R"({"client_id":"writer","hostname":"writer","user_agent":"caf-nsq-bench/0.1"})");
    conn_->start(
        peer, hello, [this](nsq::frame_type t, std::string_view d) { on_frame(t, d); },
        [this](const std::string& why) { on_close(why); });
  }

  /// Starts publishing (posted to the connection's thread).
  void go(clock::time_point start, clock::time_point end, clock::duration interval) {
    start_ = start;
    end_ = end;
    interval_ = interval;
    state_ = state::publishing;
    send_next();
  }

  const std::shared_ptr<connection>& conn() const { return conn_; }
  const latency_histogram& round_trips() const { return rtt_; }

private:
  enum class state { identifying, waiting, publishing, done };

  void on_frame(nsq::frame_type type, std::string_view data) {
    if (type == nsq::frame_type::error) {
      finish("nsqd error: " + std::string(data));
      return;
    }
    if (type != nsq::frame_type::response)
      return; // a producer gets no messages
    if (state_ == state::identifying) {
      // Feature negotiation answers with JSON: show what was negotiated.
      if (!data.empty() && data.front() == '{' && !run_.identify_logged.exchange(true))
        log_line(writer_prefix, "IDENTIFY response: " + std::string(data));
      state_ = state::waiting;
      run_.ready.count_down();
    } else if (state_ == state::publishing && data == "OK") {
      acknowledged();
    }
  }

  void acknowledged() {
    auto now = clock::now();
    rtt_.record(
        std::chrono::duration_cast<std::chrono::nanoseconds>(now - sent_at_).count());
    sent_ += static_cast<uint64_t>(command_.count());
    run_.messages.fetch_add(static_cast<uint64_t>(command_.count()),
                            std::memory_order_relaxed);
    if (now >= end_ || (quota_ != 0 && sent_ >= quota_)) {
      finish("");
      return;
    }
    if (quota_ != 0 && quota_ - sent_ < static_cast<uint64_t>(command_.count()))
      command_ =
          publish_command(topic_, static_cast<int64_t>(quota_ - sent_), opts_.size);
    send_next();
  }

  /// Sends now, or when the pacing schedule says so.
  void send_next() {
    if (interval_ > clock::duration::zero()) {
      auto due = start_ + interval_ * static_cast<int64_t>(batches_);
      if (due > clock::now()) {
        timer_.expires_at(due);
        timer_.async_wait([this, c = conn_](const boost::system::error_code& ec) {
          if (!ec && state_ == state::publishing)
            send_now();
        });
        return;
      }
    }
    send_now();
  }

  void send_now() {
    ++batches_;
    if (opts_.timestamps)
      command_.stamp(timestamp_body::now_ns());
    sent_at_ = clock::now();
    conn_->send(command_.bytes());
  }

  void on_close(const std::string& why) {
    if (state_ == state::done)
      return;
    finish(why.empty() ? "connection closed" : why);
  }

  /// Ends this connection's part, counting down whichever latch waits on it.
  void finish(const std::string& error) {
    if (state_ == state::done)
      return;
    if (!error.empty())
      run_.record_error(error);
    if (state_ == state::identifying)
      run_.ready.count_down();
    state_ = state::done;
    timer_.cancel();
    run_.done.count_down();
    conn_->close();
  }

  std::shared_ptr<connection> conn_;
  boost::asio::steady_timer timer_;
  const options& opts_;
  std::string topic_;
  uint64_t quota_; ///< 0: unlimited
  run_state& run_;
  publish_command command_;
  latency_histogram rtt_;
  state state_ = state::identifying;
  clock::time_point start_, end_, sent_at_;
  clock::duration interval_{};
  uint64_t sent_ = 0;
  uint64_t batches_ = 0;
};

/// Returns connection `i`'s share of `--messages` (0 means unlimited).
uint64_t quota_of(const options& o, int64_t i, int64_t n) {
  if (o.messages == 0)
    return 0;
  auto share = static_cast<uint64_t>(o.messages / n);
  return share + (i < o.messages % n ? 1 : 0);
}

} // namespace

int run_writer(const options& o, const boost::asio::ip::tcp::endpoint& peer) {
  int64_t n = o.connections ? o.connections : default_connections();
  if (o.messages > 0)
    n = std::min(n, o.messages); // every connection publishes at least one
  io_pool pool(
      static_cast<size_t>(o.threads ? o.threads : std::min(n, default_connections())));
  run_state run(n);
  std::vector<std::unique_ptr<publisher>> pubs;
  for (int64_t i = 0; i < n; ++i)
    pubs.push_back(std::make_unique<publisher>(pool.context(static_cast<size_t>(i)), o,
                                               nth_name(o.topic, i % o.topics, o.topics),
                                               quota_of(o, i, n), run));
  std::vector<std::shared_ptr<connection>> conns;
  for (auto& p : pubs) {
    conns.push_back(p->conn());
    boost::asio::post(p->conn()->context(), [&p, &peer] { p->start(peer); });
  }
  auto fail = [&](const std::string& why) {
    close_all(conns);
    pool.stop();
    log_line(writer_prefix, "error: " + why);
    return 1;
  };
  if (auto error = await_start(run, o.deadline, writer_prefix, "ready"); !error.empty())
    return fail(error);

  // Each connection sends one batch per interval to reach --rate in total.
  clock::duration interval{};
  if (o.rate > 0)
    interval = std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(
        static_cast<double>(o.batch_size) * static_cast<double>(n) / o.rate));
  auto start = clock::now();
  auto end = start + std::chrono::duration_cast<clock::duration>(o.runfor);
  for (auto& p : pubs)
    boost::asio::post(p->conn()->context(),
                      [&p, start, end, interval] { p->go(start, end, interval); });
  uint64_t last = 0;
  auto last_at = start;
  progress live(o.progress, [&] {
    auto now = clock::now();
    auto total = run.messages.load(std::memory_order_relaxed);
    auto text =
        writer_prefix + " " + progress_text(total, last, now - last_at, now - start);
    last = total;
    last_at = now;
    return text;
  });
  bool finished = run.done.wait_for(o.runfor + std::chrono::seconds(60));
  auto duration = clock::now() - start;
  live.stop();
  close_all(conns);
  pool.stop();
  latency_histogram rtt;
  for (auto& p : pubs)
    rtt.merge(p->round_trips());
  auto total = run.messages.load();
  log_line(writer_prefix, closing_line(duration, total, o.size));
  log_line(writer_prefix,
           "messages: " + std::to_string(total) + " connections: " + std::to_string(n));
  log_line(writer_prefix, latency_summary("publish round-trip", rtt));
  if (!finished)
    run.record_error("connections did not finish within runfor + 60s");
  if (run.failed) {
    log_line(writer_prefix, "error: " + run.first_error());
    return 1;
  }
  return 0;
}

} // namespace bench
