#pragma once

// One contiguous byte range through CAF 0.17's serializer: a sequence length
// and a single apply_raw, the way CAF itself writes a std::vector<char>, but
// read back without trusting the length from the wire. The compact payloads
// (delivery_batch, id_batch) pack themselves into such a blob so that a batch
// costs a few virtual calls on the middleman instead of several per field.

#include <caf/deserializer.hpp>
#include <caf/error.hpp>
#include <caf/serializer.hpp>

#include <vector>

namespace nsq {

/// Writes `blob` as one sequence of raw bytes.
caf::error save_blob(caf::serializer& f, std::vector<char>& blob);

/// Reads what save_blob wrote, growing `blob` only as bytes actually arrive
/// (a huge length from the wire fails at the end of the input instead of
/// allocating it up front).
caf::error load_blob(caf::deserializer& f, std::vector<char>& blob);

} // namespace nsq
