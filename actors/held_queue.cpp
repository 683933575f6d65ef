#include "actors/held_queue.hpp"

#include "actors/prefault.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>
#include <utility>

namespace nsq {

// Record layout (native byte order, never leaves the process):
//   offset 0   uint32  body size; bit 31 set: a defer field follows the header
//   offset 4   16 B    message ID
//   offset 20  int64   timestamp (Unix ns)
//   offset 28  int64   defer in ns, only when flagged
//   then the body, padded to a multiple of 4 bytes.

namespace {

constexpr uint32_t defer_flag = uint32_t{1} << 31;
constexpr size_t header_bytes = 4 + 16 + 8;
constexpr size_t defer_bytes = 8;
constexpr size_t record_alignment = 4;

size_t record_bytes(size_t body_size, bool deferred) {
  auto n = header_bytes + (deferred ? defer_bytes : 0) + body_size;
  return (n + record_alignment - 1) & ~(record_alignment - 1);
}

int64_t to_ns(caf::timespan t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t).count();
}

/// Decodes the record at `p`; returns its size in bytes.
size_t read_record(const unsigned char* p, held_record& out) {
  uint32_t word;
  std::memcpy(&word, p, sizeof word);
  bool deferred = (word & defer_flag) != 0;
  size_t body_size = word & ~defer_flag;
  std::memcpy(out.id.data(), p + 4, out.id.size());
  std::memcpy(&out.timestamp, p + 20, sizeof out.timestamp);
  int64_t defer_ns = 0;
  if (deferred)
    std::memcpy(&defer_ns, p + header_bytes, sizeof defer_ns);
  out.defer = caf::timespan{defer_ns};
  auto body =
      reinterpret_cast<const char*>(p + header_bytes + (deferred ? defer_bytes : 0));
  out.body = std::string_view{body, body_size};
  return record_bytes(body_size, deferred);
}

} // namespace

/// A chunk header; its records follow it in the same allocation.
struct held_queue::chunk {
  chunk* next = nullptr;
  size_t bytes = 0;    ///< the whole allocation, header included
  size_t capacity = 0; ///< record bytes it can hold
  size_t begin = 0;    ///< offset of the oldest unread record
  size_t end = 0;      ///< offset where the next record goes

  unsigned char* data() { return reinterpret_cast<unsigned char*>(this + 1); }
};

held_queue::held_queue(size_t first_chunk, size_t max_chunk) noexcept
    : first_chunk_(first_chunk), max_chunk_(std::max(first_chunk, max_chunk)),
      next_chunk_(first_chunk) {}

held_queue::held_queue(held_queue&& other) noexcept {
  *this = std::move(other);
}

held_queue& held_queue::operator=(held_queue&& other) noexcept {
  if (this != &other) {
    clear();
    head_ = std::exchange(other.head_, nullptr);
    tail_ = std::exchange(other.tail_, nullptr);
    size_ = std::exchange(other.size_, 0);
    chunks_ = std::exchange(other.chunks_, 0);
    allocated_ = std::exchange(other.allocated_, 0);
    first_chunk_ = other.first_chunk_;
    max_chunk_ = other.max_chunk_;
    next_chunk_ = std::exchange(other.next_chunk_, other.first_chunk_);
  }
  return *this;
}

held_queue::~held_queue() {
  clear();
}

void held_queue::push(const message_id& id, int64_t timestamp, std::string_view body,
                      caf::timespan defer) {
  if (body.size() >= defer_flag)
    throw std::length_error("held_queue: body too large"); // --max-msg-size prevents it
  bool deferred = defer > caf::timespan{0};
  auto n = record_bytes(body.size(), deferred);
  auto c = room_for(n);
  auto p = c->data() + c->end;
  auto word = static_cast<uint32_t>(body.size()) | (deferred ? defer_flag : 0);
  std::memcpy(p, &word, sizeof word);
  std::memcpy(p + 4, id.data(), id.size());
  std::memcpy(p + 20, &timestamp, sizeof timestamp);
  auto at = p + header_bytes;
  if (deferred) {
    auto ns = to_ns(defer);
    std::memcpy(at, &ns, sizeof ns);
    at += defer_bytes;
  }
  if (!body.empty())
    std::memcpy(at, body.data(), body.size());
  c->end += n;
  ++size_;
}

held_record held_queue::front() const {
  held_record r;
  read_record(head_->data() + head_->begin, r);
  return r;
}

message_ref held_queue::pop_front() {
  auto r = front();
  message_ref msg{r.id, r.timestamp, r.body};
  drop_front();
  return msg;
}

void held_queue::clear() noexcept {
  while (head_ != nullptr) {
    auto next = head_->next;
    free_chunk(head_);
    head_ = next;
  }
  tail_ = nullptr;
  size_ = 0;
  next_chunk_ = first_chunk_;
}

void held_queue::for_each(const std::function<void(const held_record&)>& f) const {
  for (auto c = head_; c != nullptr; c = c->next)
    for (auto at = c->begin; at < c->end;) {
      held_record r;
      at += read_record(c->data() + at, r);
      f(r);
    }
}

void held_queue::drop_front() noexcept {
  held_record r;
  head_->begin += read_record(head_->data() + head_->begin, r);
  --size_;
  if (head_->begin < head_->end)
    return;
  // The chunk is consumed: free it at once (the tail too, so an emptied
  // queue holds no memory and starts again with a small chunk).
  auto next = head_->next;
  free_chunk(head_);
  head_ = next;
  if (head_ == nullptr) {
    tail_ = nullptr;
    next_chunk_ = first_chunk_;
  }
}

held_queue::chunk* held_queue::room_for(size_t record_bytes) {
  if (tail_ != nullptr && tail_->capacity - tail_->end >= record_bytes)
    return tail_;
  auto bytes = std::max(next_chunk_, sizeof(chunk) + record_bytes);
  void* mem = std::malloc(bytes);
  if (mem == nullptr)
    throw std::bad_alloc{};
  // A queue this long fills the chunk soon: fault it in at once. Smaller
  // chunks are left alone, so a short queue holds only the pages it uses.
  if (bytes >= prefault_from)
    prefault_for_writing(mem, bytes);
  auto c = new (mem) chunk;
  c->bytes = bytes;
  c->capacity = bytes - sizeof(chunk);
  next_chunk_ = std::min(next_chunk_ * 2, max_chunk_);
  allocated_ += bytes;
  ++chunks_;
  if (tail_ != nullptr)
    tail_->next = c;
  else
    head_ = c;
  tail_ = c;
  return c;
}

void held_queue::free_chunk(chunk* c) noexcept {
  allocated_ -= c->bytes;
  --chunks_;
  c->~chunk();
  std::free(c);
}

} // namespace nsq
