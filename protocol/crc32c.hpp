#pragma once

#include <cstdint>
#include <string_view>

namespace nsq {

/// Returns the CRC-32C (Castagnoli) of `data`, as the snappy framing format
/// checksums each chunk.
/// Uses the CPU's crc32 instruction where there is one (x86-64 SSE4.2).
uint32_t crc32c(std::string_view data);

/// The same checksum without the CPU instruction (tests compare the two).
uint32_t crc32c_portable(std::string_view data);

/// Returns `crc` masked the way the snappy framing format stores it:
/// rotated right by 15 bits plus 0xa282ead8, so a CRC of data that embeds
/// CRCs does not degenerate.
uint32_t mask_crc(uint32_t crc);

/// Returns the masked CRC-32C of `data`: the checksum field of a snappy chunk.
inline uint32_t snappy_checksum(std::string_view data) {
  return mask_crc(crc32c(data));
}

} // namespace nsq
