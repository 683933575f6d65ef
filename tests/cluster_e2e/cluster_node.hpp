#pragma once

// Starting caf-nsqd cluster members on loopback and reading their HTTP
// APIs, for the cluster's end-to-end tests.

#include "e2e/http_client.hpp"
#include "e2e/nsqd_process.hpp"

#include <nlohmann/json.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace cluster_e2e {

/// Starts caf-nsqd with clustering on a free loopback port.
inline std::unique_ptr<e2e::nsqd_process> start_node(std::vector<std::string> flags,
                                                     const e2e::data_dir* dir = nullptr) {
  bool address_given = false;
  for (auto& f : flags)
    address_given = address_given || f.rfind("--cluster-address", 0) == 0;
  if (!address_given)
    flags.push_back("--cluster-address=127.0.0.1:0");
  auto p = dir ? std::make_unique<e2e::nsqd_process>(*dir, flags)
               : std::make_unique<e2e::nsqd_process>(flags);
  REQUIRE(p->log_has("CLUSTER: listening on 127.0.0.1:"));
  return p;
}

/// Returns the node's cluster address (`127.0.0.1:<port>`), from its log.
inline std::string cluster_address(const e2e::nsqd_process& p) {
  static const std::string marker = "CLUSTER: listening on ";
  auto log = p.log();
  auto pos = log.find(marker);
  REQUIRE(pos != std::string::npos);
  pos += marker.size();
  return log.substr(pos, log.find(' ', pos) - pos);
}

inline nlohmann::json get_json(uint16_t http_port, const std::string& target) {
  e2e::http_client h{http_port};
  auto a = h.request("GET", target);
  INFO("GET " << target << ": " << a.status << " " << a.body);
  REQUIRE(a.status == 200);
  return nlohmann::json::parse(a.body);
}

/// Polls until the node behind `http_port` sees `member` (its cluster
/// address) alive.
inline bool wait_alive(uint16_t http_port, const std::string& member,
                       std::chrono::milliseconds limit = std::chrono::seconds(30)) {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    auto view = get_json(http_port, "/cluster"); // the loop must not outlive it
    for (auto& m : view["members"])
      if (m["cluster_address"] == member && m["state"] == "alive")
        return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

} // namespace cluster_e2e
