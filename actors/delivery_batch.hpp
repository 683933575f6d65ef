#pragma once

// The payload of (deliver_atom, delivery_batch): the messages a channel hands
// one consumer. Locally it is just the vector (moved into the message, never
// copied or serialized). Across the middleman the batch crosses as one byte
// blob (wire_blob.hpp) holding the messages as NSQ message frames
// (protocol/message_frames.hpp), and arrives in that form: the session on
// the other node writes those bytes to its client as they are.

#include "actors/messages.hpp"
#include "actors/wire_blob.hpp"

#include <caf/error.hpp>
#include <caf/meta/type_name.hpp>

#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace nsq {

/// Up to a consumer's free RDY of deliveries, in channel order.
struct delivery_batch {
  delivery_batch() = default;
  delivery_batch(std::vector<delivery> local) : items(std::move(local)) {}

  std::vector<delivery> items;
  /// Received from another node: the deliveries as message frames back to
  /// back, checked whole (items is then empty).
  std::string frames;
};

/// Returns `items` as message frames back to back.
std::string pack_frames(const std::vector<delivery>& items);

/// The deliveries of `batch`, whichever form it arrived in.
std::vector<delivery> deliveries_of(const delivery_batch& batch);

/// An error unless `frames` is whole message frames back to back.
caf::error check_frames(const std::string& frames);

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, delivery_batch& x) {
  if constexpr (std::is_base_of<caf::serializer, Inspector>::value) {
    if (!x.frames.empty())
      return save_blob(f, x.frames); // passed on as it came
    auto blob = pack_frames(x.items);
    return save_blob(f, blob);
  } else if constexpr (std::is_base_of<caf::deserializer, Inspector>::value) {
    x.items.clear();
    auto err = load_blob(f, x.frames);
    if (!err)
      err = check_frames(x.frames);
    if (err)
      x.frames.clear(); // nothing of a malformed batch is delivered
    return err;
  } else { // to_string: the deliveries, whichever form they are in
    auto items = deliveries_of(x);
    return f(caf::meta::type_name("nsq_delivery_batch"), items);
  }
}

} // namespace nsq
