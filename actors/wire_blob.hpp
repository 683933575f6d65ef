#pragma once

// One contiguous byte range through CAF 0.17's serializer: a sequence length
// and a single apply_raw, the way CAF itself writes a std::vector<char>, but
// read back without trusting the length from the wire. The compact payloads
// (delivery_batch, id_batch) pack themselves into such a blob so that a batch
// costs a few virtual calls on the middleman instead of several per field.

#include <caf/deserializer.hpp>
#include <caf/error.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/serializer.hpp>

#include <cstddef>
#include <string>
#include <type_traits>
#include <vector>

namespace nsq {

/// Writes `blob` as one sequence of raw bytes.
caf::error save_blob(caf::serializer& f, std::vector<char>& blob);
caf::error save_blob(caf::serializer& f, std::string& blob);
caf::error save_blob(caf::serializer& f, const std::string& blob);

/// Reads what save_blob wrote, growing `blob` only as bytes actually arrive
/// (a huge length from the wire fails at the end of the input instead of
/// allocating it up front).
caf::error load_blob(caf::deserializer& f, std::vector<char>& blob);
caf::error load_blob(caf::deserializer& f, std::string& blob);

/// The inspect() of a payload that crosses the wire as one blob: `pack` on
/// save; on load `unpack(data, size, items)` (items left empty on an error);
/// field by field for to_string and other read-only inspectors.
template <class Inspector, class Items>
typename Inspector::result_type
inspect_as_blob(Inspector& f, Items& items, const char* type_name,
                std::vector<char> (*pack)(const Items&),
                caf::error (*unpack)(const char*, size_t, Items&)) {
  if constexpr (std::is_base_of<caf::serializer, Inspector>::value) {
    auto blob = pack(items);
    return save_blob(f, blob);
  } else if constexpr (std::is_base_of<caf::deserializer, Inspector>::value) {
    items.clear(); // empty, whatever fails below
    std::vector<char> blob;
    if (auto err = load_blob(f, blob))
      return err;
    return unpack(blob.data(), blob.size(), items);
  } else {
    return f(caf::meta::type_name(type_name), items);
  }
}

} // namespace nsq
