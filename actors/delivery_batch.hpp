#pragma once

// The payload of (deliver_atom, delivery_batch): the messages a channel hands
// one consumer. Locally it is just the vector (moved into the message, never
// copied or serialized). Across the middleman CAF 0.17 would serialize every
// field of every message through virtual calls that each return a
// caf::error; instead the batch crosses as one byte blob (wire_blob.hpp),
// packed and unpacked here.

#include "actors/messages.hpp"
#include "actors/wire_blob.hpp"

#include <caf/error.hpp>

#include <cstddef>
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
  return inspect_as_blob(f, x.items, "nsq_delivery_batch", pack_deliveries,
                         unpack_deliveries);
}

} // namespace nsq
