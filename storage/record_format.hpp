#pragma once

#include <array>
#include <cstdint>

namespace nsq::storage::record_format {

// A segment file is a plain sequence of records, no file header, no padding:
//
//   offset 0   4 bytes  magic CA F5 0D 01 (the last byte is the format version)
//   offset 4   4 bytes  uint32 BE  payload length N
//   offset 8   4 bytes  uint32 BE  CRC-32C of the payload
//   offset 12  4 bytes  uint32 BE  CRC-32C of bytes 0..11 (magic, length, payload CRC)
//   offset 16  N bytes  payload
//
// Why a header checksum: a length is trusted (and memory allocated for it)
// only when the header verifies, and a reader that lost its place finds the
// next record by scanning for the magic followed by a verifying header; a
// payload whose header verifies but whose own checksum fails is skipped as
// exactly one record. Why no blocks (unlike LevelDB's 32 KiB log blocks):
// records are up to max-msg-size (1 MiB by default), so resync is by scanning.

/// The four bytes that start every record.
inline constexpr std::array<unsigned char, 4> magic{0xCA, 0xF5, 0x0D, 0x01};

inline constexpr uint32_t magic_size = 4;
inline constexpr uint32_t length_offset = 4;
inline constexpr uint32_t payload_crc_offset = 8;
inline constexpr uint32_t header_crc_offset = 12;
/// Bytes before the payload.
inline constexpr uint32_t header_size = 16;

} // namespace nsq::storage::record_format
