#include "protocol/quantiles.hpp"

#include <algorithm>
#include <utility>

namespace nsq {

latency_window::latency_window(int64_t window_ns)
    : half_ns_(std::max<int64_t>(window_ns / 2, 1)) {}

uint64_t latency_window::next_random() {
  // xorshift64: cheap and good enough to pick reservoir slots.
  rng_ ^= rng_ << 13;
  rng_ ^= rng_ >> 7;
  rng_ ^= rng_ << 17;
  return rng_;
}

void latency_window::rotate(int64_t now_ns) {
  if (current_.count == 0 && current_.samples.empty() && previous_.count == 0) {
    current_.start_ns = now_ns;
    return;
  }
  auto age = now_ns - current_.start_ns;
  if (age < half_ns_)
    return;
  if (age >= 2 * half_ns_) {
    previous_ = half{};
    current_ = half{now_ns, 0, {}};
    return;
  }
  previous_ = std::move(current_);
  current_ = half{previous_.start_ns + half_ns_, 0, {}};
}

void latency_window::add(int64_t now_ns, double latency_ns) {
  rotate(now_ns);
  ++current_.count;
  if (current_.samples.size() < reservoir_size) {
    current_.samples.push_back(latency_ns);
    return;
  }
  auto slot = next_random() % current_.count;
  if (slot < reservoir_size)
    current_.samples[slot] = latency_ns;
}

std::vector<latency_samples> latency_window::snapshot(int64_t now_ns) {
  rotate(now_ns);
  return {latency_samples{previous_.count, previous_.samples},
          latency_samples{current_.count, current_.samples}};
}

latency_stats summarize_latency(const std::vector<latency_samples>& parts,
                                const std::vector<double>& quantiles) {
  latency_stats out;
  out.configured = !quantiles.empty();
  std::vector<std::pair<double, double>> weighted; // value, weight
  double total = 0;
  for (auto& p : parts) {
    out.count += p.count;
    if (p.samples.empty())
      continue;
    double w = static_cast<double>(p.count) / static_cast<double>(p.samples.size());
    for (auto v : p.samples)
      weighted.emplace_back(v, w);
    total += static_cast<double>(p.count);
  }
  std::sort(weighted.begin(), weighted.end());
  for (auto q : quantiles) {
    double value = 0;
    if (!weighted.empty()) {
      double target = q * total, seen = 0;
      value = weighted.back().first;
      for (auto& [v, w] : weighted) {
        seen += w;
        if (seen >= target) {
          value = v;
          break;
        }
      }
    }
    out.percentiles.push_back(percentile_value{q, value});
  }
  return out;
}

} // namespace nsq
