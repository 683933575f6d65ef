// caf-nsq-bench: a load generator for nsqd-compatible brokers, mirroring
// nsq's bench_writer and bench_reader (same flags, same closing line) plus
// latency percentiles and the modes bench/run.sh's scenarios need.
//
//   caf-nsq-bench writer --nsqd-tcp-address=127.0.0.1:4150 --size=200 --batch-size=200
//   caf-nsq-bench reader --rdy=2500
//   caf-nsq-bench idle --connections=10000
//   caf-nsq-bench floor --nsqd-tcp-address=127.0.0.1:0   (a server: bench/floor.hpp)

#include "bench/floor.hpp"
#include "bench/idle.hpp"
#include "bench/options.hpp"
#include "bench/reader.hpp"
#include "bench/report.hpp"
#include "bench/start.hpp"
#include "bench/writer.hpp"

#include <csignal>
#include <cstdio>

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN); // a closed socket is an error value, not a death
  std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = bench::parse_options(args);
  if (!parsed.opts) {
    std::fprintf(stderr, "%s\n", parsed.message.c_str());
    if (!parsed.help)
      std::fprintf(stderr, "%s", bench::usage().c_str());
    return parsed.help ? 0 : 2;
  }
  auto& o = *parsed.opts;
  bench::raise_file_limit();
  std::string error;
  auto peer = bench::resolve_address(o.nsqd_tcp_address, error);
  if (!peer) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  switch (o.mode) {
  case bench::mode::writer:
    return bench::run_writer(o, *peer);
  case bench::mode::reader:
    return bench::run_reader(o, *peer);
  case bench::mode::idle:
    return bench::run_idle(o, *peer);
  case bench::mode::floor:
    return bench::run_floor(o, *peer);
  }
  return 2;
}
