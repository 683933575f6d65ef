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
class delivery_batch {
public:
  delivery_batch() = default;
  delivery_batch(std::vector<delivery> local) : items(std::move(local)) {}

  /// The deliveries, sent on this node (empty when received as frames).
  std::vector<delivery> items;

  /// Takes deliveries received from another node: message frames back to
  /// back. An error (and nothing kept) unless they are whole frames.
  caf::error set_frames(std::string frames);

  /// Returns whether the deliveries are frames from another node.
  bool has_frames() const { return !frames_.empty(); }

  /// The frames from another node (empty if none).
  const std::string& frames() const { return frames_; }

  /// The ID of each frame, in order: read while the frames were checked (on
  /// the middleman's thread, where they had just arrived), so the session
  /// reads the IDs without touching the frames again.
  const std::vector<message_id>& frame_ids() const { return frame_ids_; }

  /// Returns the frames and leaves the batch empty.
  std::string release_frames();

private:
  std::string frames_;
  std::vector<message_id> frame_ids_;
};

/// Returns `items` as message frames back to back.
std::string pack_frames(const std::vector<delivery>& items);

/// The deliveries of `batch`, whichever form it arrived in.
std::vector<delivery> deliveries_of(const delivery_batch& batch);

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, delivery_batch& x) {
  if constexpr (std::is_base_of<caf::serializer, Inspector>::value) {
    if (x.has_frames())
      return save_blob(f, x.frames()); // passed on as it came
    auto blob = pack_frames(x.items);
    return save_blob(f, blob);
  } else if constexpr (std::is_base_of<caf::deserializer, Inspector>::value) {
    x.items.clear();
    x.release_frames();
    std::string frames;
    if (auto err = load_blob(f, frames))
      return err;
    return x.set_frames(std::move(frames)); // nothing of a malformed batch is kept
  } else { // to_string: the deliveries, whichever form they are in
    auto items = deliveries_of(x);
    return f(caf::meta::type_name("nsq_delivery_batch"), items);
  }
}

} // namespace nsq
