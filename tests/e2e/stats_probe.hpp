#pragma once

// Reading the broker's state from outside, the way an operator would:
// GET /stats lookups and bounded polling until a condition holds.

#include "e2e/http_client.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <thread>

namespace e2e::probe {

using json = nlohmann::json;
using namespace std::chrono_literals;

/// Returns `/stats?format=json` parsed; fails the test on another status.
inline json stats(uint16_t http_port) {
  http_client h{http_port};
  auto a = h.request("GET", "/stats?format=json");
  INFO("GET /stats: " << a.status << " " << a.body);
  REQUIRE(a.status == 200);
  return json::parse(a.body);
}

/// Returns the topic's stats object, or null if the topic does not exist.
inline json topic_stats(const json& s, const std::string& topic) {
  if (!s["topics"].is_array())
    return nullptr;
  for (auto& t : s["topics"])
    if (t["topic_name"] == topic)
      return t;
  return nullptr;
}

/// Returns the channel's stats object, or null if it does not exist.
inline json channel_stats(const json& s, const std::string& topic,
                          const std::string& channel) {
  auto t = topic_stats(s, topic);
  if (t.is_null() || !t["channels"].is_array())
    return nullptr;
  for (auto& c : t["channels"])
    if (c["channel_name"] == channel)
      return c;
  return nullptr;
}

/// Polls `done` every 20 ms until it holds or `limit` passes; returns whether it held.
inline bool eventually(const std::function<bool()>& done,
                       std::chrono::milliseconds limit) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    if (done())
      return true;
    if (std::chrono::steady_clock::now() >= deadline)
      return false;
    std::this_thread::sleep_for(20ms);
  }
}

} // namespace e2e::probe
