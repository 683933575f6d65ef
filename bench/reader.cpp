#include "bench/reader.hpp"

#include "bench/close_all.hpp"
#include "bench/connection.hpp"
#include "bench/io_pool.hpp"
#include "bench/latency.hpp"
#include "bench/names.hpp"
#include "bench/progress.hpp"
#include "bench/report.hpp"
#include "bench/run_state.hpp"
#include "bench/start.hpp"
#include "bench/timestamp_body.hpp"

#include <boost/asio/post.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>

namespace bench {

namespace {

using clock = std::chrono::steady_clock;
const std::string reader_prefix = "[bench_reader]";

/// 8 bytes timestamp + 2 bytes attempts + 16 bytes ID, then the body.
constexpr size_t message_header = 26;

/// Returns the IDENTIFY body: nsq's bench_reader fields plus the buffer options.
std::string identify_json(const options& o) {
  nlohmann::json j = {{"short_id", "test"},
                      {"long_id", "test"},
                      {"client_id", "reader"},
                      {"hostname", "reader"},
                      {"user_agent", "caf-nsq-bench/0.1"}};
  if (o.output_buffer_size != 0)
    j["output_buffer_size"] = o.output_buffer_size;
  if (o.output_buffer_timeout != -2)
    j["output_buffer_timeout"] = o.output_buffer_timeout;
  return j.dump();
}

/// One consuming connection.
class subscriber {
public:
  subscriber(boost::asio::io_context& ioc, const options& o, std::string topic,
             std::string channel, run_state& run, std::atomic<int64_t>& limit_end)
      : conn_(std::make_shared<connection>(ioc)), opts_(o), topic_(std::move(topic)),
        channel_(std::move(channel)), run_(run), limit_end_(limit_end) {}

  void start(const boost::asio::ip::tcp::endpoint& peer) {
    conn_->start(
        peer, identify_command(identify_json(opts_)) + sub_command(topic_, channel_),
        [this](nsq::frame_type t, std::string_view d) { on_frame(t, d); },
        [this](const std::string& why) { on_close(why); });
  }

  /// Sends RDY (posted to the connection's thread).
  void go() {
    if (state_ != state::waiting)
      return;
    state_ = state::consuming;
    conn_->send("RDY " + std::to_string(opts_.rdy) + "\n");
  }

  const std::shared_ptr<connection>& conn() const { return conn_; }
  const latency_histogram& end_to_end() const { return e2e_; }

private:
  enum class state { identifying, waiting, consuming, done };

  void on_frame(nsq::frame_type type, std::string_view data) {
    if (type == nsq::frame_type::error) {
      fail("nsqd error: " + std::string(data));
      return;
    }
    if (type == nsq::frame_type::response) {
      // The first two responses answer IDENTIFY and SUB.
      if (state_ == state::identifying && ++responses_ == 2) {
        state_ = state::waiting;
        run_.ready.count_down();
      }
      return;
    }
    if (data.size() < message_header) {
      fail("malformed message frame");
      return;
    }
    received(data);
  }

  void received(std::string_view data) {
    // Bodies that carry their send time (writer --timestamps) are recognised
    // by their marker; the reader needs no flag.
    if (auto sent = timestamp_body::read(data.substr(message_header)))
      e2e_.record(timestamp_body::now_ns() - *sent);
    fin_ = "FIN ";
    fin_.append(data.data() + 10, 16);
    fin_ += '\n';
    conn_->send(fin_);
    auto total = run_.messages.fetch_add(1, std::memory_order_relaxed) + 1;
    if (opts_.messages > 0 && total == static_cast<uint64_t>(opts_.messages)) {
      // The last expected message: the run ends now, for every connection.
      limit_end_.store(clock::now().time_since_epoch().count());
      run_.done.release();
    }
  }

  void on_close(const std::string& why) {
    if (state_ == state::done || why.empty()) {
      state_ = state::done;
      return;
    }
    fail(why);
  }

  void fail(const std::string& why) {
    if (state_ == state::done)
      return;
    run_.record_error(why);
    if (state_ == state::identifying)
      run_.ready.count_down();
    state_ = state::done;
    run_.done.release(); // nsq's bench_reader panics; we end the run
    conn_->close();
  }

  std::shared_ptr<connection> conn_;
  const options& opts_;
  std::string topic_;
  std::string channel_;
  run_state& run_;
  std::atomic<int64_t>& limit_end_;
  latency_histogram e2e_;
  std::string fin_;
  state state_ = state::identifying;
  int responses_ = 0;
};

} // namespace

int run_reader(const options& o, const boost::asio::ip::tcp::endpoint& peer) {
  int64_t per_channel = o.connections ? o.connections : default_connections();
  int64_t n = per_channel * o.topics * o.channels;
  io_pool pool(
      static_cast<size_t>(o.threads ? o.threads : std::min(n, default_connections())));
  run_state run(n);
  std::atomic<int64_t> limit_end{0};
  std::vector<std::unique_ptr<subscriber>> subs;
  for (int64_t t = 0; t < o.topics; ++t)
    for (int64_t c = 0; c < o.channels; ++c)
      for (int64_t k = 0; k < per_channel; ++k)
        subs.push_back(std::make_unique<subscriber>(
            pool.context(subs.size()), o, nth_name(o.topic, t, o.topics),
            nth_name(o.channel, c, o.channels), run, limit_end));
  std::vector<std::shared_ptr<connection>> conns;
  for (auto& s : subs) {
    conns.push_back(s->conn());
    boost::asio::post(s->conn()->context(), [&s, &peer] { s->start(peer); });
  }
  auto fail = [&](const std::string& why) {
    close_all(conns);
    pool.stop();
    log_line(reader_prefix, "error: " + why);
    return 1;
  };
  if (auto error = await_start(run, o.deadline, reader_prefix, "subscribed");
      !error.empty())
    return fail(error);

  auto start = clock::now();
  for (auto& s : subs)
    boost::asio::post(s->conn()->context(), [&s] { s->go(); });
  uint64_t last = 0;
  auto last_at = start;
  progress live(o.progress, [&] {
    auto now = clock::now();
    auto total = run.messages.load(std::memory_order_relaxed);
    auto text =
        reader_prefix + " " + progress_text(total, last, now - last_at, now - start);
    last = total;
    last_at = now;
    return text;
  });
  // Readers run for --runfor, as nsq's do, unless --messages arrive first.
  run.done.wait_for(o.runfor);
  auto end = clock::now();
  if (auto at = limit_end.load(); at != 0)
    end = clock::time_point(clock::duration(at));
  live.stop();
  close_all(conns);
  pool.stop();
  latency_histogram e2e;
  for (auto& s : subs)
    e2e.merge(s->end_to_end());
  auto total = run.messages.load();
  log_line(reader_prefix, closing_line(end - start, total, o.size));
  log_line(reader_prefix,
           "messages: " + std::to_string(total) + " connections: " + std::to_string(n));
  if (e2e.count() > 0)
    log_line(reader_prefix, latency_summary("end-to-end latency", e2e));
  if (run.failed) {
    log_line(reader_prefix, "error: " + run.first_error());
    return 1;
  }
  if (o.messages > 0 && total < static_cast<uint64_t>(o.messages)) {
    log_line(
        reader_prefix,
        "error: received " + std::to_string(total) + " of " + std::to_string(o.messages) +
            " messages within " +
            std::to_string(
                std::chrono::duration_cast<std::chrono::milliseconds>(o.runfor).count()) +
            "ms");
    return 1;
  }
  return 0;
}

} // namespace bench
