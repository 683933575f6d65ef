#pragma once

// The topic's memory queue of messages not yet copied to channels.

#include "actors/messages.hpp"

#include <caf/timespan.hpp>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string_view>

namespace nsq {

/// One queued message as stored: views into the queue, valid until it changes.
struct held_record {
  message_id id{};
  int64_t timestamp = 0;
  caf::timespan defer{0}; ///< > 0: a DPUB whose delay starts at its channel
  std::string_view body;
};

/// A FIFO of messages packed as records into chunked byte buffers: no
/// allocation per message while it is held, ~28 B + body each (a
/// `message_ref` plus a deque entry cost ~250 B for a 100 B body). A message
/// becomes a `message_ref` only when it leaves for the channels.
///
/// Chunks start small and double up to `max_chunk`, so an idle topic costs
/// nothing and a short queue little; a record never spans chunks (a record
/// larger than the next chunk gets one of its own size), and a chunk is freed
/// as soon as its last record is popped.
class held_queue {
public:
  static constexpr size_t default_first_chunk = 4096;
  static constexpr size_t default_max_chunk = size_t{1} << 20;
  /// Chunks of at least this many bytes are faulted in when allocated.
  static constexpr size_t prefault_from = size_t{256} << 10;

  held_queue() noexcept = default;
  /// Chunk sizes (bytes, allocation included) for tests; `first <= max`.
  held_queue(size_t first_chunk, size_t max_chunk) noexcept;
  held_queue(held_queue&& other) noexcept;
  held_queue& operator=(held_queue&& other) noexcept;
  held_queue(const held_queue&) = delete;
  held_queue& operator=(const held_queue&) = delete;
  ~held_queue();

  /// Appends a copy of `body`; a defer <= 0 is stored as none.
  void push(const message_id& id, int64_t timestamp, std::string_view body,
            caf::timespan defer = caf::timespan{0});

  size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }

  /// Returns the oldest record (precondition: not empty).
  held_record front() const;

  /// Returns the defer of the oldest record (precondition: not empty).
  caf::timespan front_defer() const { return front().defer; }

  /// Removes the oldest record and returns it as a shareable message
  /// (precondition: not empty).
  message_ref pop_front();

  /// Removes every record and frees every chunk.
  void clear() noexcept;

  /// Calls `f` with every record, oldest first.
  void for_each(const std::function<void(const held_record&)>& f) const;

  /// Returns the bytes of all chunks allocated now (tests, stats).
  uint64_t allocated_bytes() const noexcept { return allocated_; }

  /// Returns how many chunks are allocated now.
  size_t chunk_count() const noexcept { return chunks_; }

private:
  struct chunk;

  void drop_front() noexcept;
  chunk* room_for(size_t record_bytes);
  void free_chunk(chunk* c) noexcept;

  chunk* head_ = nullptr; ///< oldest records; popped from here
  chunk* tail_ = nullptr; ///< newest records; pushed here
  size_t size_ = 0;
  size_t chunks_ = 0;
  uint64_t allocated_ = 0;
  size_t first_chunk_ = default_first_chunk;
  size_t max_chunk_ = default_max_chunk;
  size_t next_chunk_ = default_first_chunk; ///< size of the next chunk allocated
};

} // namespace nsq
