#pragma once

// End-to-end processing latency over a sliding time window (reference
// §15.10). nsqd keeps two rotating biased-quantile sketches, each covering
// half the window. We keep two rotating half-windows too, each a bounded
// uniform sample (reservoir) of its latencies plus its exact count, so memory
// stays fixed however many messages are finished; percentiles are computed
// over the weighted union of the samples when asked.

#include "protocol/stats.hpp"

#include <cstdint>
#include <vector>

namespace nsq {

/// The samples of one or more half-windows: `count` latencies were seen,
/// `samples` is a uniform subset of them (each stands for count / size).
struct latency_samples {
  uint64_t count = 0;
  std::vector<double> samples;
};

/// Latencies (ns) of the last `window_ns`, in two half-windows.
class latency_window {
public:
  /// Samples kept per half-window.
  static constexpr size_t reservoir_size = 1024;

  explicit latency_window(int64_t window_ns = 600000000000LL);

  /// Records one latency observed at `now_ns`.
  void add(int64_t now_ns, double latency_ns);

  /// Returns the samples of the window that ends at `now_ns`: one part per
  /// half-window (their weights differ).
  std::vector<latency_samples> snapshot(int64_t now_ns);

private:
  struct half {
    int64_t start_ns = 0;
    uint64_t count = 0;
    std::vector<double> samples;
  };

  void rotate(int64_t now_ns);
  uint64_t next_random();

  int64_t half_ns_;
  half current_;
  half previous_;
  uint64_t rng_ = 0x9e3779b97f4a7c15ULL;
};

/// Returns the percentiles `quantiles` (in their given order) over the union
/// of `parts`, each part's samples weighted by its count. Not configured
/// (null percentiles) when `quantiles` is empty.
latency_stats summarize_latency(const std::vector<latency_samples>& parts,
                                const std::vector<double>& quantiles);

} // namespace nsq
