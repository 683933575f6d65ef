#pragma once

// Fault injection on real files, after LevelDB's log_test.cc helpers
// (IncrementByte, ShrinkSize, ...): each breaks a file the way a crash or a
// bad disk would, so the tests can read it back and count what survived.

#include "storage/queue_meta.hpp"
#include "storage/record_format.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace nsq::storage::test {

/// Bytes on disk of one record with a 20-byte body, the size these tests write.
inline constexpr uint64_t rec = record_format::header_size + 20;

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void write_file(const std::string& path, const std::string& contents) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << contents;
  REQUIRE(out.good());
}

inline uint64_t size_of(const std::string& path) {
  return std::filesystem::file_size(path);
}

/// Adds `delta` to the byte at `offset` (a flipped bit on disk).
inline void flip_byte(const std::string& path, uint64_t offset, int delta = 1) {
  std::string data = read_file(path);
  REQUIRE(offset < data.size());
  data[offset] = static_cast<char>(data[offset] + delta);
  write_file(path, data);
}

/// Cuts `path` to `size` bytes (a torn write, a lost tail).
inline void shrink_to(const std::string& path, uint64_t size) {
  REQUIRE(size <= size_of(path));
  std::filesystem::resize_file(path, size);
}

/// Appends raw bytes (garbage, or the start of a record that never finished).
inline void append_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::app);
  out << bytes;
  REQUIRE(out.good());
}

/// Writes a big-endian uint32 at `offset` (a bad length field).
inline void write_u32(const std::string& path, uint64_t offset, uint32_t value) {
  std::string data = read_file(path);
  REQUIRE(offset + 4 <= data.size());
  for (int i = 0; i < 4; ++i)
    data[offset + i] = static_cast<char>(value >> (24 - 8 * i));
  write_file(path, data);
}

/// Deletes `path` (a lost segment).
inline void delete_file(const std::string& path) {
  REQUIRE(std::filesystem::remove(path));
}

/// Replaces the meta file with one saying `meta` (valid checksum): e.g. a meta
/// ahead of the data.
inline void write_meta(const std::string& path, const queue_meta& meta) {
  write_file(path, encode_queue_meta(meta));
}

} // namespace nsq::storage::test
