// message_ref: a message's ID, timestamp and body in one shared allocation.
// Leaks and double frees are what the sanitizer build checks here.

#include "actors/message_ref.hpp"
#include "numbered_id.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <thread>
#include <vector>

using namespace nsq;
using nsq::test::numbered_id;

TEST_CASE("message_ref: the body is copied once and shared by every copy",
          "[message_ref]") {
  std::string body(300, 'b');
  message_ref a{numbered_id(7), 42, body};
  body.assign(300, 'x'); // the block has its own bytes
  const auto& m = data_of(a);
  CHECK(m.id == numbered_id(7));
  CHECK(m.timestamp == 42);
  CHECK(m.body == std::string(300, 'b'));
  message_ref b = a;
  CHECK(&data_of(b) == &m);
  CHECK(data_of(b).body.data() == m.body.data());
  message_ref c;
  c = b;
  CHECK(&data_of(c) == &m);
  CHECK(c == a);
}

TEST_CASE("message_ref: empty, moved-from and reassigned refs", "[message_ref]") {
  message_ref none;
  CHECK(data_of(none).body.empty());
  CHECK(data_of(none).timestamp == 0);
  message_ref a{numbered_id(1), 1, "one"};
  message_ref moved = std::move(a);
  CHECK(data_of(moved).body == "one");
  CHECK(data_of(a).body.empty()); // NOLINT(bugprone-use-after-move): specified empty
  a = moved;                      // a moved-from ref takes a value again
  auto& alias = a;
  a = alias; // self-assignment keeps the message
  CHECK(data_of(a).body == "one");
  a = std::move(moved);
  CHECK(data_of(a).body == "one");
  message_ref empty_body{numbered_id(2), 2, ""};
  CHECK(data_of(empty_body).body.empty());
  CHECK_FALSE(empty_body == a);
  CHECK(message_ref{message_data{numbered_id(2), 2, ""}} == empty_body);
}

TEST_CASE("message_ref: copies let go on several threads free the block once",
          "[message_ref]") {
  constexpr int threads = 4;
  constexpr int rounds = 2000;
  std::vector<std::thread> workers;
  std::vector<std::vector<message_ref>> held(threads);
  for (int r = 0; r < rounds; ++r) {
    message_ref m{numbered_id(static_cast<uint64_t>(r)), r, std::string(64, 'm')};
    for (auto& h : held)
      h.push_back(m);
  }
  // Catch2's assertions are not thread-safe: each thread counts, the test checks.
  std::vector<size_t> seen(threads, 0);
  for (int t = 0; t < threads; ++t)
    workers.emplace_back([&held, &seen, t] {
      for (auto& m : held[t])
        seen[t] += data_of(m).body.size() == 64 ? 1 : 0;
      held[t].clear();
    });
  for (auto& w : workers)
    w.join();
  for (int t = 0; t < threads; ++t) {
    CHECK(seen[t] == rounds);
    CHECK(held[t].empty());
  }
}
