#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string_view>

namespace nsq::fuzz {

/// A fuzz input read as a stream: the first byte is a plan choosing how the
/// rest (the payload) is split into the pieces a socket might deliver, so the
/// fuzzer explores split points without the seeds losing their meaning.
struct chunked_input {
  uint8_t plan = 0;
  std::string_view payload;
};

inline chunked_input split_plan(const uint8_t* data, size_t size) {
  if (size == 0)
    return {};
  return {data[0], std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1)};
}

/// Calls `f` with consecutive pieces of `payload`: plan 0 passes it whole,
/// any other plan seeds a generator of piece sizes between 1 and 2^(plan % 12).
template <class F> void for_each_chunk(std::string_view payload, uint8_t plan, F f) {
  if (plan == 0) {
    f(payload);
    return;
  }
  std::minstd_rand rng(plan);
  std::uniform_int_distribution<size_t> size(1, size_t{1} << (plan % 12));
  while (!payload.empty()) {
    std::string_view piece = payload.substr(0, size(rng));
    payload.remove_prefix(piece.size());
    f(piece);
  }
}

} // namespace nsq::fuzz
