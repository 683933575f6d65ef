#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bench {

/// What the tool does: publish, consume, or hold idle connections.
enum class mode { writer, reader, idle, floor };

/// Every flag of `caf-nsq-bench`. Names and defaults follow nsq's
/// bench_writer / bench_reader; the rest serve bench/run.sh's scenarios.
struct options {
  bench::mode mode = mode::writer;
  std::string nsqd_tcp_address = "127.0.0.1:4150";
  std::string topic = "sub_bench";
  std::string channel = "ch";
  std::chrono::nanoseconds runfor = std::chrono::seconds(10);
  int64_t size = 200;
  int64_t batch_size = 200; ///< MPUB bodies per command; 1 sends PUB
  std::string deadline;     ///< "2006-01-02 15:04:05" (UTC), start time
  int64_t rdy = 2500;
  int64_t connections = 0; ///< writer: total; reader/idle: per topic×channel
  int64_t topics = 1;
  int64_t channels = 1;
  int64_t messages = 0; ///< stop once this many are published/received (0: no limit)
  double rate = 0;      ///< writer: messages per second in total (0: as fast as possible)
  bool timestamps = false;        ///< writer: bodies carry their send time
  int64_t output_buffer_size = 0; ///< IDENTIFY output_buffer_size (0: not sent)
  int64_t output_buffer_timeout =
      -2;                         ///< IDENTIFY output_buffer_timeout ms (-2: not sent)
  std::string identify = "bench"; ///< writer: IDENTIFY of "bench" or "go-nsq" (1.1.0)
  bool subscribe = false;         ///< idle: SUB and RDY 1 on each connection
  int64_t threads = 0;            ///< I/O threads (0: number of CPUs)
  bool progress = true;           ///< live progress line when stderr is a terminal
};

/// The result of parsing argv: options, or the text of an error / the usage.
struct parse_result {
  std::optional<options> opts;
  std::string message; ///< error or usage text when `opts` is empty
  bool help = false;   ///< `message` is the usage, not an error
};

/// Parses `caf-nsq-bench <writer|reader|idle> [flags]`. Flags are accepted in
/// Go's spelling too: `-flag value`, `-flag=value`, `--flag value`, `--flag=value`.
parse_result parse_options(const std::vector<std::string>& args);

/// Returns the usage text.
std::string usage();

} // namespace bench
