#pragma once

// Reads a disk queue's records back in actor tests (after its owner closed it).

#include "storage/disk_queue.hpp"
#include "storage/queue_record.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

namespace nsq::test {

/// Returns the records of queue `name` in `dir`, oldest first.
inline std::vector<storage::queue_record> queue_records(const std::string& dir,
                                                        const std::string& name) {
  storage::disk_queue_options o;
  o.directory = dir;
  o.name = name;
  std::unique_ptr<storage::disk_queue> q;
  std::vector<storage::queue_record> out;
  REQUIRE(storage::disk_queue::open(o, q).is_ok());
  std::string payload;
  while (q->read_next(payload).is_ok()) {
    storage::queue_record r;
    REQUIRE(storage::decode_queue_record(payload, r).is_ok());
    out.push_back(std::move(r));
  }
  CHECK(q->close().is_ok());
  return out;
}

/// Returns the message bodies of queue `name` in `dir`, oldest first.
inline std::vector<std::string> queue_bodies(const std::string& dir,
                                             const std::string& name) {
  std::vector<std::string> out;
  for (auto& r : queue_records(dir, name))
    out.push_back(std::string{r.message.body});
  return out;
}

} // namespace nsq::test
