// message_id_table: the session's flat map from an in-flight message ID to
// the channel that delivered it, against std::map as the reference.

#include "actors/message_id_table.hpp"
#include "numbered_id.hpp"

#include <catch2/catch.hpp>

#include <map>
#include <random>
#include <set>

using namespace nsq;
using nsq::test::numbered_id;

TEST_CASE("message_id_table: an ID keeps the first value it was inserted with",
          "[message_id_table]") {
  message_id_table table;
  bool inserted = false;
  CHECK(table.insert(numbered_id(1), 7, inserted) == 7);
  CHECK(inserted);
  CHECK(table.insert(numbered_id(1), 8, inserted) == 7);
  CHECK_FALSE(inserted);
  CHECK(table.size() == 1);
  REQUIRE(table.find(numbered_id(1)) != nullptr);
  CHECK(*table.find(numbered_id(1)) == 7);
  CHECK(table.find(numbered_id(2)) == nullptr);
  CHECK(table.take(numbered_id(1)) == 7);
  CHECK_FALSE(table.take(numbered_id(1)));
  CHECK_FALSE(table.erase(numbered_id(1)));
  CHECK(table.size() == 0);
}

TEST_CASE("message_id_table: erase_value takes exactly one channel's IDs",
          "[message_id_table]") {
  message_id_table table;
  bool inserted = false;
  for (uint64_t i = 0; i < 3000; ++i)
    table.insert(numbered_id(i), i % 3, inserted);
  std::set<uint64_t> taken;
  table.erase_value(1, [&](const message_id& id) {
    taken.insert(std::stoull(std::string(id.begin(), id.end()), nullptr, 16));
  });
  CHECK(taken.size() == 1000);
  CHECK(table.size() == 2000);
  for (uint64_t i = 0; i < 3000; ++i) {
    auto* value = table.find(numbered_id(i));
    if (i % 3 == 1) {
      CHECK(taken.count(i) == 1);
      CHECK(value == nullptr);
    } else {
      REQUIRE(value != nullptr);
      CHECK(*value == i % 3);
    }
  }
}

TEST_CASE("message_id_table: random inserts, takes and erases agree with a map",
          "[message_id_table]") {
  message_id_table table;
  std::map<uint64_t, uint64_t> reference;
  std::mt19937_64 rng{7};
  // Phases of growth and of draining, so the table grows and shrinks.
  for (int phase = 0; phase < 6; ++phase) {
    bool growing = phase % 2 == 0;
    for (int step = 0; step < 20000; ++step) {
      uint64_t n = rng() % 5000;
      auto id = numbered_id(n);
      auto op = rng() % 10;
      if (op < (growing ? 6u : 2u)) {
        bool inserted = false;
        auto value = rng() % 4;
        auto stored = table.insert(id, value, inserted);
        auto [at, fresh] = reference.try_emplace(n, value);
        CHECK(inserted == fresh);
        CHECK(stored == at->second);
      } else if (op < 8) {
        auto want = reference.find(n);
        auto got = table.take(id);
        CHECK(got.has_value() == (want != reference.end()));
        if (want != reference.end()) {
          CHECK(*got == want->second);
          reference.erase(want);
        }
      } else {
        auto* got = table.find(id);
        auto want = reference.find(n);
        REQUIRE((got != nullptr) == (want != reference.end()));
        if (got)
          CHECK(*got == want->second);
      }
    }
    REQUIRE(table.size() == reference.size());
  }
  for (auto& [n, value] : reference)
    CHECK(table.take(numbered_id(n)) == value);
  CHECK(table.size() == 0);
}
