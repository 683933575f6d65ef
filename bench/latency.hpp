#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace bench {

/// A log-linear latency histogram in nanoseconds (HDR style): 64 sub-buckets
/// per power of two, so any percentile is within 1.6% and memory is fixed
/// (30 KB) however many samples are recorded.
class latency_histogram {
public:
  /// Records one sample; negative values count as 0.
  void record(int64_t ns);

  /// Adds every sample of `other`.
  void merge(const latency_histogram& other);

  /// Returns the number of samples.
  uint64_t count() const { return count_; }

  /// Returns the value below which fraction `q` (0..1) of the samples lie.
  int64_t quantile(double q) const;

  /// Returns the largest sample.
  int64_t max() const { return max_; }

private:
  static constexpr int sub_bits = 6;
  static constexpr int64_t sub_count = int64_t{1} << sub_bits;
  static constexpr size_t bucket_count = (63 - sub_bits) * sub_count + 2 * sub_count;

  static size_t index_of(uint64_t v);
  static int64_t value_of(size_t index);

  std::array<uint64_t, bucket_count> counts_{};
  uint64_t count_ = 0;
  int64_t max_ = 0;
};

/// Returns `<label>: p50=…us p99=…us p99.9=…us max=…us (n=…)`.
std::string latency_summary(const std::string& label, const latency_histogram& h);

} // namespace bench
