// in_flight_set against a plain reference model: lookups, deadline order,
// rescheduling, per-owner removal and slot reuse.

#include "actors/in_flight_set.hpp"

#include "fixture.hpp"
#include "numbered_id.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <map>
#include <random>
#include <string>

namespace {

using nsq::in_flight_set;
using nsq::message_id;
using nsq::test::numbered_id;
using time_point = in_flight_set::time_point;

uint64_t n_of(const in_flight_set::entry& e) {
  return std::stoull(nsq::to_string(nsq::data_of(e.msg.msg).id), nullptr, 16);
}

in_flight_set::entry entry_of(uint64_t n, caf::actor_addr owner, time_point deadline) {
  nsq::message_data data;
  data.id = numbered_id(n);
  data.body = "body";
  return {{nsq::message_ref{std::move(data)}, 1}, std::move(owner), deadline, deadline};
}

const time_point t0{std::chrono::hours(1)};

time_point at(int ms) {
  return t0 + std::chrono::milliseconds{ms};
}

struct owners : nsq::test::actor_fixture {
  // Spawned with an argument: CAF 0.17.6's init_fun_factory dereferences a null
  // tuple for argument-less function actors (UBSan reports it).
  caf::actor a = sys.spawn([](int) {}, 0);
  caf::actor b = sys.spawn([](int) {}, 0);
};

} // namespace

TEST_CASE_METHOD(owners, "in_flight_set finds, takes and refuses duplicates",
                 "[in_flight_set]") {
  in_flight_set set;
  CHECK(set.find(numbered_id(1)) == nullptr);
  CHECK_FALSE(set.earliest());
  REQUIRE(set.insert(numbered_id(1), entry_of(1, a.address(), at(10))));
  CHECK_FALSE(set.insert(numbered_id(1), entry_of(1, b.address(), at(5))));
  REQUIRE(set.size() == 1);
  REQUIRE(set.find(numbered_id(1)) != nullptr);
  CHECK(set.find(numbered_id(1))->owner == a.address());
  CHECK(set.earliest() == at(10));
  CHECK(n_of(set.take(numbered_id(1))) == 1);
  CHECK(set.size() == 0);
  CHECK(set.find(numbered_id(1)) == nullptr);
  CHECK_FALSE(set.earliest());
}

TEST_CASE_METHOD(owners, "in_flight_set times out earliest first, ties in schedule order",
                 "[in_flight_set]") {
  in_flight_set set;
  // Two timeouts interleaved (two lanes) plus an out-of-order straggler.
  set.insert(numbered_id(1), entry_of(1, a.address(), at(60)));
  set.insert(numbered_id(2), entry_of(2, b.address(), at(10)));
  set.insert(numbered_id(3), entry_of(3, a.address(), at(61)));
  set.insert(numbered_id(4), entry_of(4, b.address(), at(11)));
  set.insert(numbered_id(5), entry_of(5, a.address(), at(11)));
  CHECK(set.earliest() == at(10));
  auto due = set.take_due(at(11));
  REQUIRE(due.size() == 3);
  CHECK(n_of(due[0]) == 2);
  CHECK(n_of(due[1]) == 4);
  CHECK(n_of(due[2]) == 5);
  CHECK(set.earliest() == at(60));
  CHECK(set.take_due(at(59)).empty());
}

TEST_CASE_METHOD(owners, "in_flight_set reschedule moves a deadline both ways",
                 "[in_flight_set]") {
  in_flight_set set;
  set.insert(numbered_id(1), entry_of(1, a.address(), at(10)));
  set.insert(numbered_id(2), entry_of(2, a.address(), at(20)));
  set.reschedule(numbered_id(1), at(30)); // TOUCH
  CHECK(set.earliest() == at(20));
  CHECK(set.find(numbered_id(1))->deadline == at(30));
  set.reschedule(numbered_id(2), at(5)); // earlier than anything queued
  CHECK(set.earliest() == at(5));
  auto due = set.take_due(at(30));
  REQUIRE(due.size() == 2);
  CHECK(n_of(due[0]) == 2);
  CHECK(n_of(due[1]) == 1);
  CHECK(due[1].deadline == at(30));
}

TEST_CASE_METHOD(owners, "in_flight_set takes an owner's entries earliest first",
                 "[in_flight_set]") {
  in_flight_set set;
  set.insert(numbered_id(1), entry_of(1, a.address(), at(30)));
  set.insert(numbered_id(2), entry_of(2, b.address(), at(10)));
  set.insert(numbered_id(3), entry_of(3, a.address(), at(20)));
  auto mine = set.take_owned_by(a.address());
  REQUIRE(mine.size() == 2);
  CHECK(n_of(mine[0]) == 3);
  CHECK(n_of(mine[1]) == 1);
  CHECK(set.size() == 1);
  CHECK(set.earliest() == at(10));
  CHECK(set.find(numbered_id(2)) != nullptr);
}

TEST_CASE_METHOD(owners,
                 "in_flight_set matches a reference model under random operations",
                 "[in_flight_set]") {
  in_flight_set set;
  std::map<uint64_t, std::pair<time_point, uint64_t>> model; // id -> deadline, seq
  uint64_t seq = 0;
  std::mt19937_64 rng{42};
  int now = 0;
  uint64_t next_id = 0;
  auto model_earliest = [&]() -> std::optional<std::pair<time_point, uint64_t>> {
    std::optional<std::pair<time_point, uint64_t>> best;
    for (auto& [n, ds] : model)
      if (!best || ds < *best)
        best = std::make_pair(ds.first, n);
    return best;
  };
  for (int step = 0; step < 20000; ++step) {
    auto op = rng() % 10;
    if (op < 4 || model.empty()) {
      auto n = ++next_id;
      auto timeout = (rng() % 3 == 0) ? 50 : (rng() % 2 ? 200 : 7 + int(rng() % 300));
      auto d = at(now + timeout);
      REQUIRE(
          set.insert(numbered_id(n), entry_of(n, n % 2 ? a.address() : b.address(), d)));
      model[n] = {d, ++seq};
    } else if (op < 7) { // FIN of a random in-flight ID, mostly the oldest
      auto it = model.begin();
      if (rng() % 3 == 0)
        std::advance(it, rng() % model.size());
      REQUIRE(n_of(set.take(numbered_id(it->first))) == it->first);
      model.erase(it);
    } else if (op < 8) { // TOUCH
      auto it = model.begin();
      std::advance(it, rng() % model.size());
      auto d = at(now + int(rng() % 400));
      set.reschedule(numbered_id(it->first), d);
      it->second = {d, ++seq};
    } else if (op < 9) { // time passes
      now += int(rng() % 40);
      auto due = set.take_due(at(now));
      for (auto& e : due) {
        auto expect = model_earliest();
        REQUIRE(expect);
        REQUIRE(n_of(e) == expect->second);
        REQUIRE(e.deadline <= at(now));
        model.erase(expect->second);
      }
      auto rest = model_earliest();
      REQUIRE((!rest || rest->first > at(now)));
    } else { // a consumer leaves
      auto owner = rng() % 2 ? a.address() : b.address();
      auto gone = set.take_owned_by(owner);
      for (size_t i = 0; i < gone.size(); ++i) {
        REQUIRE(gone[i].owner == owner);
        if (i > 0)
          REQUIRE(gone[i - 1].deadline <= gone[i].deadline);
        REQUIRE(model.erase(n_of(gone[i])) == 1);
      }
      for (auto& [n, ds] : model)
        REQUIRE((n % 2 ? a.address() : b.address()) != owner);
    }
    REQUIRE(set.size() == model.size());
    auto expect = model_earliest();
    REQUIRE(set.earliest().has_value() == expect.has_value());
    if (expect)
      REQUIRE(*set.earliest() == expect->first);
  }
  // Unknown IDs, including bytes that are not hex, are simply absent.
  message_id odd{};
  odd.fill('\xff');
  CHECK(set.find(odd) == nullptr);
}
