#include "bench/latency.hpp"

#include <algorithm>
#include <cstdio>

namespace bench {

size_t latency_histogram::index_of(uint64_t v) {
  if (v < static_cast<uint64_t>(2 * sub_count))
    return static_cast<size_t>(v);
  int top = 63 - __builtin_clzll(v); // position of the highest set bit
  int shift = top - sub_bits;
  return static_cast<size_t>(shift) * sub_count + static_cast<size_t>(v >> shift);
}

int64_t latency_histogram::value_of(size_t index) {
  if (index < static_cast<size_t>(2 * sub_count))
    return static_cast<int64_t>(index);
  size_t shift = index / sub_count - 1;
  auto mantissa = static_cast<int64_t>(index % sub_count + sub_count);
  int64_t low = mantissa << shift;
  return low + ((int64_t{1} << shift) >> 1); // middle of the bucket
}

void latency_histogram::record(int64_t ns) {
  auto v = static_cast<uint64_t>(std::max<int64_t>(ns, 0));
  ++counts_[std::min(index_of(v), bucket_count - 1)];
  ++count_;
  max_ = std::max(max_, static_cast<int64_t>(v));
}

void latency_histogram::merge(const latency_histogram& other) {
  for (size_t i = 0; i < bucket_count; ++i)
    counts_[i] += other.counts_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
}

int64_t latency_histogram::quantile(double q) const {
  if (count_ == 0)
    return 0;
  auto rank = static_cast<uint64_t>(q * static_cast<double>(count_));
  rank = std::min<uint64_t>(std::max<uint64_t>(rank, 1), count_);
  uint64_t seen = 0;
  for (size_t i = 0; i < bucket_count; ++i) {
    seen += counts_[i];
    if (seen >= rank)
      return std::min(value_of(i), max_);
  }
  return max_;
}

std::string latency_summary(const std::string& label, const latency_histogram& h) {
  char text[256];
  auto us = [&](double q) { return static_cast<double>(h.quantile(q)) / 1000.0; };
  std::snprintf(
      text, sizeof text, "%s: p50=%.1fus p99=%.1fus p99.9=%.1fus max=%.1fus (n=%llu)",
      label.c_str(), us(0.50), us(0.99), us(0.999), static_cast<double>(h.max()) / 1000.0,
      static_cast<unsigned long long>(h.count()));
  return text;
}

} // namespace bench
