#include "actors/delivery_batch.hpp"

#include <caf/sec.hpp>

#include <cstring>
#include <string>
#include <utility>

namespace nsq {

namespace {

constexpr size_t count_size = 4;
/// attempts + ID + timestamp + body length: a record without its body.
constexpr size_t record_head = 2 + 16 + 8 + 4;

template <class T> void put_le(std::vector<char>& out, T v) {
  auto u = static_cast<std::make_unsigned_t<T>>(v);
  for (size_t i = 0; i < sizeof(T); ++i)
    out.push_back(static_cast<char>((u >> (8 * i)) & 0xFF));
}

template <class T> T get_le(const char* p) {
  std::make_unsigned_t<T> u = 0;
  for (size_t i = 0; i < sizeof(T); ++i)
    u |= static_cast<std::make_unsigned_t<T>>(static_cast<unsigned char>(p[i]))
         << (8 * i);
  return static_cast<T>(u);
}

caf::error malformed(const char* what) {
  return caf::make_error(caf::sec::invalid_argument,
                         std::string("malformed delivery batch: ") + what);
}

} // namespace

std::vector<char> pack_deliveries(const std::vector<delivery>& items) {
  size_t total = count_size;
  for (auto& d : items)
    total += record_head + data_of(d.msg).body.size();
  std::vector<char> out;
  out.reserve(total);
  put_le(out, static_cast<uint32_t>(items.size()));
  for (auto& d : items) {
    auto& m = data_of(d.msg);
    put_le(out, d.attempts);
    out.insert(out.end(), m.id.begin(), m.id.end());
    put_le(out, m.timestamp);
    put_le(out, static_cast<uint32_t>(m.body.size()));
    out.insert(out.end(), m.body.begin(), m.body.end());
  }
  return out;
}

caf::error unpack_deliveries(const char* blob, size_t size, std::vector<delivery>& out) {
  out.clear();
  if (size < count_size)
    return malformed("no count");
  auto count = get_le<uint32_t>(blob);
  const char* p = blob + count_size;
  size_t left = size - count_size;
  // Every record takes at least record_head bytes: a count the blob cannot
  // hold is rejected before anything is reserved for it.
  if (count > left / record_head)
    return malformed("count exceeds the blob");
  out.reserve(count);
  for (uint32_t i = 0; i < count; ++i) {
    if (left < record_head) {
      out.clear();
      return malformed("truncated record");
    }
    message_data m;
    auto attempts = get_le<uint16_t>(p);
    std::memcpy(m.id.data(), p + 2, m.id.size());
    m.timestamp = get_le<int64_t>(p + 18);
    auto len = get_le<uint32_t>(p + 26);
    p += record_head;
    left -= record_head;
    if (len > left) {
      out.clear();
      return malformed("body exceeds the blob");
    }
    m.body.assign(p, len);
    p += len;
    left -= len;
    out.push_back(delivery{message_ref{std::move(m)}, attempts});
  }
  if (left != 0) {
    out.clear();
    return malformed("trailing bytes");
  }
  return caf::none;
}

} // namespace nsq
