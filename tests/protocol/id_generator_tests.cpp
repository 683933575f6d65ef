#include "protocol/id_generator.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace nsq;

namespace {

/// The Unix nanoseconds that fall at the start of the tick encoded in `id`.
int64_t nanos_of(uint64_t id) {
  return ((static_cast<int64_t>(id >> 22)) + id_generator::epoch) << 20;
}

} // namespace

TEST_CASE("node 7 example of reference 12.1") {
  id_generator gen(7);
  int64_t t = nanos_of(0x18a8d3bc74807000ULL);
  CHECK(to_string(gen.next(t)) == "18a8d3bc74807000");
  CHECK(to_string(gen.next(t + 1000)) == "18a8d3bc74807001");      // same tick
  CHECK(to_string(gen.next(t + (1 << 20))) == "18a8d3bc74c07000"); // next tick
}

TEST_CASE("encode_id is lowercase big-endian hex") {
  CHECK(to_string(encode_id(0)) == "0000000000000000");
  CHECK(to_string(encode_id(0xABCDEF0123456789ULL)) == "abcdef0123456789");
}

TEST_CASE("node id is masked to 10 bits") {
  id_generator gen(1024 + 3);
  int64_t t = nanos_of(0x18a8d3bc74807000ULL);
  CHECK(to_string(gen.next(t)) == "18a8d3bc74803000");
}

TEST_CASE("100k IDs at a fixed time are unique and strictly increasing") {
  id_generator gen(7);
  int64_t t = nanos_of(0x18a8d3bc74807000ULL);
  std::set<std::string> seen;
  std::string last;
  for (int i = 0; i < 100000; ++i) {
    std::string id = to_string(gen.next(t));
    REQUIRE(id > last); // fixed-width lowercase hex: string order is numeric order
    last = id;
    seen.insert(id);
    if (id.find_first_not_of("0123456789abcdef") != std::string::npos)
      FAIL("not lowercase hex: " << id);
  }
  CHECK(seen.size() == 100000);
}

TEST_CASE("after 4096 IDs in a tick the next tick is borrowed") {
  id_generator gen(0);
  int64_t t = nanos_of(0x18a8d3bc74800000ULL);
  message_id id{};
  for (int i = 0; i < 4096; ++i)
    id = gen.next(t);
  CHECK(to_string(id) == "18a8d3bc74800fff");
  CHECK(to_string(gen.next(t)) == "18a8d3bc74c00000");
  // When real time reaches the borrowed tick, its sequence continues.
  CHECK(to_string(gen.next(t + (1 << 20))) == "18a8d3bc74c00001");
}

TEST_CASE("a clock going back keeps IDs increasing") {
  id_generator gen(1);
  int64_t t = nanos_of(0x18a8d3bc74801000ULL);
  std::string first = to_string(gen.next(t));
  std::string second = to_string(gen.next(t - 5'000'000'000));
  CHECK(first == "18a8d3bc74801000");
  CHECK(second == "18a8d3bc74801001");
}

TEST_CASE("a clock before the epoch does not crash") {
  id_generator gen(0);
  auto a = to_string(gen.next(0));
  auto b = to_string(gen.next(0));
  CHECK(a != b);
}

TEST_CASE("a generator starts after its floor even when the clock is behind it") {
  int64_t t = nanos_of(0x18a8d3bc74807000ULL);
  int64_t floor_tick = (t >> 20) + 5000; // a clock stepped back ~5 s
  id_generator gen(7, floor_tick);
  auto first = gen.next(t);
  // Tick floor+1, sequence 0: above every ID issued up to the floor.
  id_generator at_floor(7);
  auto bound = at_floor.next((floor_tick << 20) + (1 << 20));
  CHECK(to_string(first) == to_string(bound));
  CHECK(to_string(gen.next(t)) > to_string(first));
  // A clock past the floor is used as is.
  id_generator late(7, floor_tick);
  CHECK(to_string(late.next(t + (int64_t{10000} << 20))) > to_string(bound));
}

TEST_CASE("the process-wide floor is every new generator's default") {
  int64_t t = nanos_of(0x18a8d3bc74807000ULL);
  auto saved = id_generator::id_floor();
  id_generator::set_id_floor((t >> 20) + 100);
  id_generator gen(7);
  id_generator::set_id_floor(saved);
  id_generator plain(7);
  CHECK(to_string(gen.next(t)) > to_string(plain.next(t + (int64_t{100} << 20))));
}
