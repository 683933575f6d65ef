#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nsq {

/// Message bodies to publish, packed in one buffer: a PUB's body, or an
/// MPUB's body exactly as read (count and size prefixes included) with where
/// each message lies in it. The topic copies each body once, into its memory
/// queue, a message or a disk record; one string per message made on the io
/// thread and freed on a worker cost ~10 % of an MPUB's CPU (perf, session 10).
class body_batch {
public:
  body_batch() = default;

  /// One message: `body` is the whole of it.
  static body_batch single(std::string body);

  /// Copies `bodies` into one buffer (the embedding API and tests publish
  /// vectors of strings).
  static body_batch of(const std::vector<std::string>& bodies);

  /// Takes `buffer`; messages are added with `add`.
  explicit body_batch(std::string buffer) : buffer_(std::move(buffer)) {}

  /// Marks `size` bytes at `offset` of the buffer as the next message
  /// (precondition: inside the buffer, both below 4 GiB).
  void add(size_t offset, size_t size) {
    spans_.push_back(static_cast<uint64_t>(offset) << 32 | static_cast<uint32_t>(size));
  }

  /// Reserves room for `n` messages.
  void reserve(size_t n) { spans_.reserve(n); }

  size_t size() const noexcept { return spans_.size(); }
  bool empty() const noexcept { return spans_.empty(); }

  /// Returns message `i` (a view into this batch).
  std::string_view operator[](size_t i) const noexcept {
    auto s = spans_[i];
    return std::string_view{buffer_}.substr(s >> 32, s & 0xffffffffu);
  }

  /// The whole buffer, messages and whatever lies between them.
  std::string_view buffer() const noexcept { return buffer_; }

  /// Returns every message as its own string.
  std::vector<std::string> to_strings() const;

  /// Forgets every message and frees the buffer.
  void clear() noexcept;

  friend bool operator==(const body_batch& a, const body_batch& b) {
    return a.to_strings() == b.to_strings();
  }

  /// Whether every message lies inside the buffer (a batch read from the
  /// wire is checked before use; one built here always does).
  bool spans_inside() const noexcept;

  /// Serialization (actors/messages.hpp defines it: protocol/ knows no CAF).
  template <class Inspector>
  friend typename Inspector::result_type inspect(Inspector& f, body_batch& x);

private:
  std::string buffer_;
  /// offset << 32 | size, one per message (one allocation for the batch).
  std::vector<uint64_t> spans_;
};

} // namespace nsq
