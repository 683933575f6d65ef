#include "protocol/crc32c.hpp"

#include <boost/crc.hpp>

#include <cstring>

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

namespace nsq {

namespace {

/// Table-driven, a byte at a time: the portable fallback.
uint32_t crc32c_table(std::string_view data) {
  boost::crc_optimal<32, 0x1EDC6F41, 0xFFFFFFFF, 0xFFFFFFFF, true, true> crc;
  crc.process_bytes(data.data(), data.size());
  return crc.checksum();
}

#if defined(__x86_64__)
/// SSE4.2's crc32 instruction computes exactly CRC-32C, 8 bytes at a time:
/// every disk record is checksummed when written and again when read, and
/// the table version cost ~30 % of the broker's CPU draining a disk backlog.
__attribute__((target("sse4.2"))) uint32_t crc32c_sse42(std::string_view data) {
  const char* p = data.data();
  size_t n = data.size();
  uint64_t crc = 0xFFFFFFFFu;
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t word;
    std::memcpy(&word, p, sizeof word);
    crc = _mm_crc32_u64(crc, word);
  }
  auto c = static_cast<uint32_t>(crc);
  for (; n > 0; ++p, --n)
    c = _mm_crc32_u8(c, static_cast<unsigned char>(*p));
  return c ^ 0xFFFFFFFFu;
}

bool has_sse42() {
  static const bool yes = __builtin_cpu_supports("sse4.2");
  return yes;
}
#endif

} // namespace

uint32_t crc32c(std::string_view data) {
#if defined(__x86_64__)
  if (has_sse42())
    return crc32c_sse42(data);
#endif
  return crc32c_table(data);
}

uint32_t crc32c_portable(std::string_view data) {
  return crc32c_table(data);
}

uint32_t mask_crc(uint32_t crc) {
  return ((crc >> 15) | (crc << 17)) + 0xa282ead8u;
}

} // namespace nsq
