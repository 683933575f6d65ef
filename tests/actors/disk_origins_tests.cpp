// disk_origins: the channel's map from a message read from disk to its
// record, against std::unordered_multimap as the reference.

#include "actors/disk_origins.hpp"
#include "numbered_id.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <random>
#include <vector>

using namespace nsq;
using nsq::test::numbered_id;

TEST_CASE("disk_origins: each record is taken once, by its message's ID",
          "[disk_origins]") {
  disk_origins origins;
  for (uint64_t i = 0; i < 20000; ++i)
    origins.add(numbered_id(i), 1000 + i);
  CHECK(origins.size() == 20000);
  CHECK_FALSE(origins.take(numbered_id(20000)));
  for (uint64_t i = 0; i < 20000; i += 2)
    CHECK(origins.take(numbered_id(i)) == 1000 + i);
  for (uint64_t i = 1; i < 20000; i += 2)
    CHECK(origins.take(numbered_id(i)) == 1000 + i);
  CHECK(origins.size() == 0);
  CHECK_FALSE(origins.take(numbered_id(7)));
}

TEST_CASE("disk_origins: an ID read twice gives back both records", "[disk_origins]") {
  disk_origins origins;
  origins.add(numbered_id(5), 1);
  origins.add(numbered_id(6), 2);
  origins.add(numbered_id(5), 3);
  std::vector<uint64_t> taken{*origins.take(numbered_id(5)),
                              *origins.take(numbered_id(5))};
  std::sort(taken.begin(), taken.end());
  CHECK(taken == std::vector<uint64_t>{1, 3});
  CHECK_FALSE(origins.take(numbered_id(5)));
  CHECK(origins.take(numbered_id(6)) == 2);
}

TEST_CASE("disk_origins: random adds and takes agree with a multimap", "[disk_origins]") {
  disk_origins origins;
  std::multimap<uint64_t, uint64_t> reference;
  std::mt19937_64 rng{42};
  uint64_t seq = 0;
  for (int step = 0; step < 200000; ++step) {
    // Phases of growth and of draining, so the table grows and shrinks.
    bool growing = (step / 20000) % 2 == 0;
    auto key = rng() % 5000;
    if (rng() % 100 < (growing ? 70u : 30u)) {
      origins.add(numbered_id(key), seq);
      reference.emplace(key, seq++);
      continue;
    }
    auto got = origins.take(numbered_id(key));
    auto it = reference.find(key);
    REQUIRE(got.has_value() == (it != reference.end()));
    if (!got)
      continue;
    // Any one of the key's records: remove that one from the reference.
    auto range = reference.equal_range(key);
    auto match = std::find_if(range.first, range.second,
                              [&](auto& kv) { return kv.second == *got; });
    REQUIRE(match != range.second);
    reference.erase(match);
    REQUIRE(origins.size() == reference.size());
  }
}
