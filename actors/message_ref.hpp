#pragma once

// A message held in memory: its ID, timestamp and body in one allocation,
// shared immutably (reference-counted) by every channel and session that
// holds it. The CAF cow_tuple<message_data> this replaces took two
// allocations per message (the tuple, then the body string) on the topic's
// thread and two frees wherever the last holder let go.

#include "protocol/message.hpp"

#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

namespace nsq {

/// The immutable part of a message in memory; `body` views the bytes that
/// follow it in the same allocation.
struct message_block {
  message_id id{};
  int64_t timestamp = 0; ///< Unix nanoseconds when the broker accepted it
  std::string_view body;
};

class message_ref {
public:
  /// No message: data() is an empty block (nothing is allocated).
  message_ref() noexcept = default;
  /// Copies `body` into a new block.
  message_ref(const message_id& id, int64_t timestamp, std::string_view body);
  explicit message_ref(const message_data& data)
      : message_ref(data.id, data.timestamp, data.body) {}
  message_ref(const message_ref& other) noexcept;
  message_ref(message_ref&& other) noexcept : node_(other.node_) {
    other.node_ = nullptr;
  }
  message_ref& operator=(const message_ref& other) noexcept;
  message_ref& operator=(message_ref&& other) noexcept;
  ~message_ref() { release(); }

  const message_block& data() const noexcept {
    return node_ ? node_->block : empty_block;
  }

  /// Same ID, timestamp and body (CAF compares message payloads with it).
  friend bool operator==(const message_ref& a, const message_ref& b) noexcept;

private:
  struct node {
    std::atomic<uint32_t> refs{1};
    message_block block;
  };
  static const message_block empty_block;

  void release() noexcept;

  node* node_ = nullptr;
};

/// Returns the shared data of `m`.
inline const message_block& data_of(const message_ref& m) {
  return m.data();
}

/// `m` with a channel's attempt count, as the protocol functions take it.
inline message_view view_of(const message_block& m, uint16_t attempts) {
  return message_view{m.id, m.timestamp, attempts, m.body};
}

/// The message as it crosses the wire: its ID, timestamp and body.
template <class Inspector>
typename std::enable_if<Inspector::reads_state, typename Inspector::result_type>::type
inspect(Inspector& f, message_ref& x) {
  const auto& m = x.data();
  auto id = m.id;
  auto timestamp = m.timestamp;
  std::string body{m.body};
  return f(caf::meta::type_name("nsq_message"), id, timestamp, body);
}

template <class Inspector>
typename std::enable_if<Inspector::writes_state, typename Inspector::result_type>::type
inspect(Inspector& f, message_ref& x) {
  message_data read;
  auto done = caf::meta::load_callback([&]() -> caf::error {
    x = message_ref{read};
    return caf::none;
  });
  return f(caf::meta::type_name("nsq_message"), read.id, read.timestamp, read.body, done);
}

} // namespace nsq
