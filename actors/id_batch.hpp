#pragma once

// The payload of (finish_atom, id_batch): the IDs a consumer FIN'd in one
// read. Locally it is just the vector (moved, never copied). A message_id is a
// std::array<char, 16>, which CAF 0.17 serializes as 16 one-byte fields; on
// the middleman the batch crosses as one blob of 16-byte IDs instead
// (wire_blob.hpp).

#include "actors/wire_blob.hpp"
#include "protocol/message.hpp"

#include <caf/error.hpp>

#include <cstddef>
#include <vector>

namespace nsq {

/// Message IDs, in the order the client sent them.
struct id_batch {
  std::vector<message_id> ids;
};

/// Returns the IDs back to back, 16 bytes each.
std::vector<char> pack_ids(const std::vector<message_id>& ids);

/// Replaces `out` by the IDs in `blob`; an error (and `out` empty) if `size`
/// is not a multiple of 16.
caf::error unpack_ids(const char* blob, size_t size, std::vector<message_id>& out);

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, id_batch& x) {
  return inspect_as_blob(f, x.ids, "nsq_id_batch", pack_ids, unpack_ids);
}

} // namespace nsq
