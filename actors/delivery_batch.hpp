#pragma once

// The payload of (deliver_atom, delivery_batch): the messages a channel hands
// one consumer. Locally it is just the vector (moved into the message, never
// copied or serialized). Across the middleman CAF 0.17 would serialize every
// field of every message through virtual calls that each return a
// caf::error; instead the batch crosses as one byte blob (wire_blob.hpp),
// packed and unpacked here.

#include "actors/messages.hpp"
#include "actors/wire_blob.hpp"

#include <caf/deserializer.hpp>
#include <caf/error.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/serializer.hpp>

#include <cstddef>
#include <type_traits>
#include <vector>

namespace nsq {

/// Up to a consumer's free RDY of deliveries, in channel order.
struct delivery_batch {
  std::vector<delivery> items;
};

/// Blob layout: u32 count, then per message u16 attempts, 16 bytes ID, i64
/// timestamp, u32 body length, body (integers little-endian).
std::vector<char> pack_deliveries(const std::vector<delivery>& items);

/// Replaces `out` by the messages in `blob`; an error (and `out` empty) if the
/// blob is malformed. Allocates no more than the blob's size justifies.
caf::error unpack_deliveries(const char* blob, size_t size, std::vector<delivery>& out);

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, delivery_batch& x) {
  if constexpr (std::is_base_of<caf::serializer, Inspector>::value) {
    auto blob = pack_deliveries(x.items);
    return save_blob(f, blob);
  } else if constexpr (std::is_base_of<caf::deserializer, Inspector>::value) {
    x.items.clear(); // empty, whatever fails below
    std::vector<char> blob;
    if (auto err = load_blob(f, blob))
      return err;
    return unpack_deliveries(blob.data(), blob.size(), x.items);
  } else { // to_string and other read-only inspectors: field by field
    return f(caf::meta::type_name("nsq_delivery_batch"), x.items);
  }
}

} // namespace nsq
