#include "actors/wire_blob.hpp"

#include <caf/binary_deserializer.hpp>

#include <algorithm>
#include <cstddef>

namespace nsq {

namespace {

/// load_blob reads at most this much per apply_raw (and grows by it).
constexpr size_t load_chunk = size_t{1} << 20;

template <class Blob> caf::error save_any(caf::serializer& f, Blob& blob) {
  auto n = blob.size();
  return caf::error::eval([&] { return f.begin_sequence(n); },
                          [&] { return n > 0 ? f.apply_raw(n, &blob[0]) : caf::none; },
                          [&] { return f.end_sequence(); });
}

template <class Blob> caf::error load_any(caf::deserializer& f, Blob& blob) {
  size_t n = 0;
  if (auto err = f.begin_sequence(n))
    return err;
  blob.clear();
  // The middleman reads from a buffer that holds the whole message: copy the
  // bytes straight out of it (resize() zero-filled every blob first, ~4 % of
  // a relaying node's CPU). A length beyond the input takes the path below.
  if (auto* whole = dynamic_cast<caf::binary_deserializer*>(&f);
      whole != nullptr && n <= whole->remaining()) {
    const auto* at = reinterpret_cast<const char*>(whole->remainder().data());
    blob.assign(at, at + n);
    whole->skip(n);
    return f.end_sequence();
  }
  while (blob.size() < n) {
    auto at = blob.size();
    auto step = std::min(load_chunk, n - at);
    blob.resize(at + step);
    if (auto err = f.apply_raw(step, &blob[at]))
      return err;
  }
  return f.end_sequence();
}

} // namespace

caf::error save_blob(caf::serializer& f, std::vector<char>& blob) {
  return save_any(f, blob);
}

caf::error save_blob(caf::serializer& f, std::string& blob) {
  return save_any(f, blob);
}

caf::error save_blob(caf::serializer& f, const std::string& blob) {
  // A serializer only reads what apply_raw points it at; CAF 0.17 has no
  // const overload.
  return save_any(f, const_cast<std::string&>(blob));
}

caf::error load_blob(caf::deserializer& f, std::vector<char>& blob) {
  return load_any(f, blob);
}

caf::error load_blob(caf::deserializer& f, std::string& blob) {
  return load_any(f, blob);
}

} // namespace nsq
