#include "protocol/id_generator.hpp"

#include <atomic>

namespace nsq {

namespace {

constexpr int64_t sequence_mask = 0xfff; // 12 bits: 4096 IDs per tick
constexpr int node_shift = 12;
constexpr int timestamp_shift = 22;

std::atomic<int64_t> floor_tick{-1};

} // namespace

int64_t id_generator::id_floor() {
  return floor_tick.load(std::memory_order_acquire);
}

void id_generator::set_id_floor(int64_t tick) {
  floor_tick.store(tick, std::memory_order_release);
}

message_id id_generator::next(int64_t unix_nanos) {
  int64_t tick = unix_nanos >> 20;
  if (tick > last_tick_) {
    last_tick_ = tick;
    sequence_ = 0;
  } else if (++sequence_ > sequence_mask) {
    // Clock went back or this tick is exhausted: borrow the next tick rather
    // than sleep, which keeps IDs strictly increasing.
    ++last_tick_;
    sequence_ = 0;
  }
  // Unsigned arithmetic: a clock before the epoch must not shift a negative.
  uint64_t since_epoch = static_cast<uint64_t>(last_tick_) - static_cast<uint64_t>(epoch);
  uint64_t id = (since_epoch << timestamp_shift) |
                (static_cast<uint64_t>(node_id_) << node_shift) |
                static_cast<uint64_t>(sequence_);
  return encode_id(id);
}

message_id encode_id(uint64_t value) {
  static constexpr char digits[] = "0123456789abcdef";
  message_id out{};
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = digits[(value >> (60 - 4 * i)) & 0xf];
  return out;
}

} // namespace nsq
