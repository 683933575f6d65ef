#include "protocol/gunzip.hpp"

#include <zlib.h>

#include <cstdint>

namespace nsq {

namespace {

/// Owns a zlib inflate stream.
struct inflater {
  z_stream zs{};
  bool ok = false;
  inflater() { ok = inflateInit2(&zs, 16 + MAX_WBITS) == Z_OK; } // 16: gzip wrapper
  ~inflater() {
    if (ok)
      inflateEnd(&zs);
  }
  inflater(const inflater&) = delete;
  inflater& operator=(const inflater&) = delete;
};

constexpr size_t chunk = 16384;

} // namespace

bool gunzip(std::string_view in, size_t max_out, std::string& out) {
  if (in.size() > UINT32_MAX)
    return false;
  inflater z;
  if (!z.ok)
    return false;
  out.clear();
  z.zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.zs.avail_in = static_cast<uInt>(in.size());
  char buf[chunk];
  for (;;) {
    z.zs.next_out = reinterpret_cast<Bytef*>(buf);
    z.zs.avail_out = chunk;
    int rc = inflate(&z.zs, Z_NO_FLUSH);
    size_t got = chunk - z.zs.avail_out;
    if (out.size() + got > max_out)
      return false;
    out.append(buf, got);
    if (rc == Z_STREAM_END) {
      if (z.zs.avail_in == 0)
        return true;
      if (inflateReset(&z.zs) != Z_OK) // another member follows (Go reads them all)
        return false;
      continue;
    }
    if (rc != Z_OK)
      return false; // includes Z_BUF_ERROR: input ended mid-stream
  }
}

} // namespace nsq
