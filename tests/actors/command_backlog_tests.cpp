// The session's command backlog (a reused vector, not a deque) and the lazy
// pool behind its ID maps: FIFO order through every reuse and compaction,
// and nothing allocated until used.

#include "actors/command_backlog.hpp"
#include "actors/lazy_pool_resource.hpp"

#include <catch2/catch.hpp>

#include <memory_resource>
#include <string>
#include <unordered_set>

using nsq::command;
using nsq::command_backlog;

namespace {

std::vector<command> batch_named(int n) {
  command cmd;
  cmd.name = "NOP";
  cmd.params.push_back(std::to_string(n));
  return {cmd};
}

int front_number(command_backlog& q) {
  return std::stoi(q.front().front().params[0]);
}

} // namespace

TEST_CASE("command_backlog: batches come out in the order they went in", "[backlog]") {
  command_backlog q;
  CHECK(q.empty());
  q.push_back(batch_named(1));
  q.push_back(batch_named(2));
  CHECK(front_number(q) == 1);
  q.pop_front();
  q.push_back(batch_named(3));
  CHECK(front_number(q) == 2);
  q.pop_front();
  CHECK(front_number(q) == 3);
  q.pop_front();
  CHECK(q.empty());
  q.push_back(batch_named(4)); // reuse after running dry
  CHECK(front_number(q) == 4);
}

TEST_CASE(
    "command_backlog: a backlog that never runs dry keeps its order and stays small",
    "[backlog]") {
  command_backlog q;
  int next_in = 0, next_out = 0;
  for (int i = 0; i < 3; ++i)
    q.push_back(batch_named(next_in++));
  // Always two or three waiting: the head never reaches the end, so only
  // the compaction bounds the vector.
  for (int round = 0; round < 10000; ++round) {
    REQUIRE(front_number(q) == next_out++);
    q.pop_front();
    q.push_back(batch_named(next_in++));
  }
  while (!q.empty()) {
    REQUIRE(front_number(q) == next_out++);
    q.pop_front();
  }
  CHECK(next_out == next_in);
}

namespace {

/// Counts what a pool asks of its upstream.
class counting_resource final : public std::pmr::memory_resource {
public:
  int allocations = 0;

private:
  void* do_allocate(size_t bytes, size_t alignment) override {
    ++allocations;
    return std::pmr::new_delete_resource()->allocate(bytes, alignment);
  }
  void do_deallocate(void* p, size_t bytes, size_t alignment) override {
    std::pmr::new_delete_resource()->deallocate(p, bytes, alignment);
  }
  bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override {
    return this == &other;
  }
};

} // namespace

TEST_CASE("lazy_pool_resource: nothing from upstream until the first allocation",
          "[backlog]") {
  counting_resource upstream;
  {
    std::pmr::unsynchronized_pool_resource eager{&upstream};
    CHECK(upstream.allocations > 0); // why the lazy one exists (libstdc++)
  }
  upstream.allocations = 0;
  nsq::lazy_pool_resource pool{&upstream};
  std::pmr::unordered_set<int> ids{&pool};
  CHECK(upstream.allocations == 0);
  for (int i = 0; i < 1000; ++i)
    ids.insert(i);
  CHECK(upstream.allocations > 0);
  for (int i = 0; i < 1000; i += 2)
    ids.erase(i);
  CHECK(ids.size() == 500);
  CHECK(ids.count(1) == 1);
  CHECK(ids.count(2) == 0);
}
