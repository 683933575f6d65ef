#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace bench {

/// Prints `line` to stderr the way Go's `log` package does with nsq's
/// prefix: `[bench_writer] 2006/01/02 15:04:05 <line>`.
void log_line(const std::string& prefix, const std::string& line);

/// Returns nsq's closing line:
/// `duration: <go duration> - N.NNNmb/s - N.NNNops/s - N.NNNus/op`.
std::string closing_line(std::chrono::nanoseconds duration, uint64_t messages,
                         int64_t size);

} // namespace bench
