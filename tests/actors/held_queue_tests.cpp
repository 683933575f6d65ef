// held_queue, the topic's packed memory queue: FIFO order, defers, chunk
// growth and freeing, huge records, and a long interleaved run against a
// std::deque model; large chunks faulted in at once.

#include "actors/held_queue.hpp"
#include "actors/prefault.hpp"
#include "numbered_id.hpp"

#include <catch2/catch.hpp>

#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <random>
#include <string>
#include <vector>

namespace {

using namespace std::chrono_literals;
using nsq::data_of;
using nsq::held_queue;
using nsq::held_record;
using nsq::message_id;
using nsq::test::numbered_id;

/// What the model remembers of a pushed message.
struct model_entry {
  uint64_t n;
  std::string body;
  caf::timespan defer;
};

std::string body_of(uint64_t n, size_t size) {
  std::string body(size, '\0');
  for (size_t i = 0; i < size; ++i)
    body[i] = static_cast<char>('a' + (n + i) % 26);
  return body;
}

void push(held_queue& q, const model_entry& e) {
  q.push(numbered_id(e.n), static_cast<int64_t>(e.n) * 1000, e.body, e.defer);
}

/// Pops the front of `q` and checks it against `e`.
void check_pop(held_queue& q, const model_entry& e) {
  REQUIRE(q.front_defer() == e.defer);
  auto msg = q.pop_front();
  auto& d = data_of(msg);
  REQUIRE(d.id == numbered_id(e.n));
  REQUIRE(d.timestamp == static_cast<int64_t>(e.n) * 1000);
  REQUIRE(d.body == e.body);
}

} // namespace

TEST_CASE("held_queue: an empty queue allocates nothing") {
  held_queue q;
  CHECK(q.empty());
  CHECK(q.size() == 0);
  CHECK(q.allocated_bytes() == 0);
  CHECK(q.chunk_count() == 0);
}

TEST_CASE("held_queue: messages leave in the order they came") {
  held_queue q;
  for (uint64_t n = 0; n < 10; ++n)
    push(q, {n, body_of(n, n * 7), 0s});
  CHECK(q.size() == 10);
  CHECK(q.chunk_count() == 1);
  for (uint64_t n = 0; n < 10; ++n)
    check_pop(q, {n, body_of(n, n * 7), 0s});
  CHECK(q.empty());
}

TEST_CASE("held_queue: a defer survives the round trip, only when positive") {
  held_queue q;
  push(q, {1, "deferred", caf::timespan{1500ms}});
  push(q, {2, "now", 0s});
  push(q, {3, "", caf::timespan{1}});
  q.push(numbered_id(4), 4000, "negative", caf::timespan{-5s});
  check_pop(q, {1, "deferred", caf::timespan{1500ms}});
  check_pop(q, {2, "now", 0s});
  check_pop(q, {3, "", caf::timespan{1}});
  check_pop(q, {4, "negative", 0s}); // a negative defer is no defer
}

TEST_CASE("held_queue: chunks double up to the maximum and are freed when consumed") {
  held_queue q{256, 1024};
  std::deque<model_entry> model;
  uint64_t n = 0;
  auto push_one = [&] {
    model.push_back({n, body_of(n, 40), 0s}); // 68 B records
    push(q, model.back());
    ++n;
  };
  push_one();
  CHECK(q.allocated_bytes() == 256);
  while (q.chunk_count() < 2)
    push_one();
  CHECK(q.allocated_bytes() == 256 + 512);
  while (q.chunk_count() < 5)
    push_one();
  CHECK(q.allocated_bytes() == 256 + 512 + 1024 * 3); // capped at the maximum
  // Popping the first chunk's records frees it, not before.
  auto in_first = (256 - 40) / 68;
  for (int i = 0; i < in_first - 1; ++i) {
    check_pop(q, model.front());
    model.pop_front();
  }
  CHECK(q.chunk_count() == 5);
  check_pop(q, model.front());
  model.pop_front();
  CHECK(q.chunk_count() == 4);
  CHECK(q.allocated_bytes() == 512 + 1024 * 3);
  while (!model.empty()) {
    check_pop(q, model.front());
    model.pop_front();
  }
  CHECK(q.chunk_count() == 0);
  CHECK(q.allocated_bytes() == 0);
  // An emptied queue starts again with a small chunk.
  push_one();
  CHECK(q.allocated_bytes() == 256);
}

TEST_CASE("held_queue: a record larger than a chunk gets a chunk of its own") {
  held_queue q{256, 1024};
  push(q, {1, "small", 0s});
  auto huge = body_of(2, 5000);
  push(q, {2, huge, caf::timespan{3s}});
  push(q, {3, "after", 0s});
  CHECK(q.chunk_count() == 3);
  CHECK(q.allocated_bytes() > 256 + 5000);
  check_pop(q, {1, "small", 0s});
  check_pop(q, {2, huge, caf::timespan{3s}});
  CHECK(q.chunk_count() == 1);
  check_pop(q, {3, "after", 0s});
  CHECK(q.allocated_bytes() == 0);
}

TEST_CASE("held_queue: for_each visits every record oldest first, without popping") {
  held_queue q{128, 256};
  std::vector<model_entry> pushed;
  for (uint64_t n = 0; n < 50; ++n) {
    pushed.push_back({n, body_of(n, n % 13), n % 3 == 0 ? caf::timespan{n + 1} : 0s});
    push(q, pushed.back());
  }
  q.pop_front();
  size_t i = 1;
  q.for_each([&](const held_record& r) {
    REQUIRE(i < pushed.size());
    CHECK(r.id == numbered_id(pushed[i].n));
    CHECK(r.timestamp == static_cast<int64_t>(pushed[i].n) * 1000);
    CHECK(r.body == pushed[i].body);
    CHECK(r.defer == pushed[i].defer);
    ++i;
  });
  CHECK(i == pushed.size());
  CHECK(q.size() == 49);
}

TEST_CASE("held_queue: interleaved pushes and pops over many chunks match a deque") {
  held_queue q{128, 2048};
  std::deque<model_entry> model;
  std::mt19937_64 rng{42};
  uint64_t n = 0;
  size_t most_chunks = 0;
  for (int step = 0; step < 20000; ++step) {
    // Phases that mostly push, then mostly pop, so the queue grows and empties.
    bool filling = (step / 2000) % 2 == 0;
    bool do_push = model.empty() || rng() % 10 < (filling ? 7u : 3u);
    if (do_push) {
      auto size = rng() % 50 == 0 ? 3000 : rng() % 120;
      auto defer = rng() % 5 == 0 ? caf::timespan{static_cast<int64_t>(rng() % 1000 + 1)}
                                  : caf::timespan{0};
      model.push_back({n, body_of(n, size), defer});
      push(q, model.back());
      ++n;
    } else {
      check_pop(q, model.front());
      model.pop_front();
    }
    REQUIRE(q.size() == model.size());
    REQUIRE((q.chunk_count() == 0) == model.empty());
    most_chunks = std::max(most_chunks, q.chunk_count());
  }
  CHECK(most_chunks > 20);
  while (!model.empty()) {
    check_pop(q, model.front());
    model.pop_front();
  }
  CHECK(q.allocated_bytes() == 0);
}

TEST_CASE("held_queue: clear drops everything and frees every chunk") {
  held_queue q{128, 512};
  for (uint64_t n = 0; n < 100; ++n)
    push(q, {n, body_of(n, 30), 0s});
  CHECK(q.chunk_count() > 3);
  q.clear();
  CHECK(q.empty());
  CHECK(q.allocated_bytes() == 0);
  CHECK(q.chunk_count() == 0);
  push(q, {7, "again", 0s});
  CHECK(q.allocated_bytes() == 128);
  check_pop(q, {7, "again", 0s});
}

TEST_CASE("held_queue: a moved-from queue is empty and the target keeps the records") {
  held_queue a{128, 512};
  push(a, {1, "one", 0s});
  push(a, {2, "two", caf::timespan{5ms}});
  held_queue b{std::move(a)};
  CHECK(a.empty());
  CHECK(a.allocated_bytes() == 0);
  check_pop(b, {1, "one", 0s});
  check_pop(b, {2, "two", caf::timespan{5ms}});
}

namespace {

/// Whether every page inside [p, p + bytes) is resident (mincore).
bool resident(const void* p, size_t bytes) {
  constexpr uintptr_t page = 4096;
  auto begin = (reinterpret_cast<uintptr_t>(p) + page - 1) & ~(page - 1);
  auto end = (reinterpret_cast<uintptr_t>(p) + bytes) & ~(page - 1);
  std::vector<unsigned char> pages((end - begin) / page);
  if (::mincore(reinterpret_cast<void*>(begin), end - begin, pages.data()) != 0)
    return false;
  return std::all_of(pages.begin(), pages.end(), [](unsigned char v) { return v & 1; });
}

} // namespace

TEST_CASE("held_queue: a large chunk is faulted in when allocated, a small one is not") {
  std::vector<char> probe(size_t{64} << 10);
  if (!nsq::prefault_for_writing(probe.data(), probe.size())) {
    WARN("MADV_POPULATE_WRITE unsupported here (Linux < 5.14): nothing to check");
    return;
  }
  constexpr size_t mib = size_t{1} << 20;
  held_queue big{mib, mib}; // glibc maps 1 MiB freshly: its pages start absent
  big.push(numbered_id(1), 1, "x");
  // The record sits at the chunk's start; the rest of the chunk is untouched
  // by the queue, so only the prefault can have made it resident.
  CHECK(resident(big.front().body.data() + 4096, mib - 8192));
}
