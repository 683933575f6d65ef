#pragma once

#include "storage/disk_queue.hpp"
#include "storage/queue_files.hpp"

#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

namespace nsq::storage::test {

inline disk_queue_options queue_options(const std::string& dir) {
  disk_queue_options o;
  o.directory = dir;
  o.name = "t:c";
  o.max_bytes_per_file = 1024;
  o.max_record_size = 4096;
  o.sync_every = 1000;
  return o;
}

/// Options that sync after every operation, as --sync-every=1.
inline disk_queue_options sync_each(const std::string& dir) {
  auto o = queue_options(dir);
  o.sync_every = 1;
  return o;
}

inline std::unique_ptr<disk_queue> open_queue(const disk_queue_options& o) {
  std::unique_ptr<disk_queue> q;
  auto st = disk_queue::open(o, q);
  INFO(st.to_string());
  REQUIRE(st.is_ok());
  return q;
}

/// Returns the payload of message `i`: 20 bytes, recognisable.
inline std::string msg(int i, size_t size = 20) {
  std::string p = "msg-" + std::to_string(i) + "-";
  p.resize(size, '.');
  return p;
}

inline void put_many(disk_queue& q, int from, int to, size_t size = 20) {
  for (int i = from; i < to; ++i)
    REQUIRE(q.put(msg(i, size)).is_ok());
}

/// Reads until the reader meets the writer.
inline std::vector<std::string> drain(disk_queue& q) {
  std::vector<std::string> out;
  std::string r;
  status st;
  while ((st = q.read_next(r)).is_ok())
    out.push_back(r);
  INFO(st.to_string());
  CHECK(st.is_not_found());
  return out;
}

/// Returns the indices i of payloads msg(i) in `records` (-1 for a stranger).
inline std::vector<int> indices(const std::vector<std::string>& records) {
  std::vector<int> out;
  for (auto& r : records)
    out.push_back(r.rfind("msg-", 0) == 0 ? std::stoi(r.substr(4)) : -1);
  return out;
}

inline std::vector<int> range(int from, int to) {
  std::vector<int> out;
  for (int i = from; i < to; ++i)
    out.push_back(i);
  return out;
}

inline std::vector<int> without(std::vector<int> v, std::vector<int> drop) {
  for (int d : drop)
    v.erase(std::remove(v.begin(), v.end(), d), v.end());
  return v;
}

/// Peeks and pops n records (not confirmed), returning their payload indices.
inline std::vector<int> pop_n(disk_queue& q, int n) {
  std::vector<int> out;
  for (int i = 0; i < n; ++i) {
    std::string_view view;
    REQUIRE(q.peek(view).is_ok());
    out.push_back(indices({std::string{view}}).front());
    REQUIRE(q.pop().is_ok());
  }
  return out;
}

} // namespace nsq::storage::test
