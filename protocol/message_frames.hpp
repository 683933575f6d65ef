#pragma once

// A run of message frames back to back, exactly as a client reads them
// (size, type 2, timestamp, attempts, ID, body; reference §3.3). A channel
// on another cluster member sends its deliveries in this form, so the
// session forwarding them copies bytes instead of rebuilding each frame.

#include "protocol/message.hpp"

#include <cstddef>
#include <string_view>
#include <vector>

namespace nsq {

/// Bytes of a message frame before its body: size, type and the header.
inline constexpr size_t message_frame_head = 8 + message_header_size;

/// Appends the ID of each frame to `ids` and returns true if `frames` is
/// complete message frames back to back (each at least a header, none cut
/// short); false otherwise (`ids` then holds the IDs of the frames before the
/// fault).
bool index_message_frames(std::string_view frames, std::vector<message_id>& ids);

/// Returns the length of the frame at the start of `frames` (checked run).
size_t first_frame_size(std::string_view frames);

/// Returns the ID of the message frame `frame`.
message_id id_in_frame(std::string_view frame);

/// Returns the message in the frame `frame` (checked run) with its attempts.
decoded_message decode_message_frame(std::string_view frame);

/// Calls f(frame) for every frame of a checked run, in order.
template <class F> void for_each_message_frame(std::string_view frames, F&& f) {
  while (!frames.empty()) {
    auto n = first_frame_size(frames);
    f(frames.substr(0, n));
    frames.remove_prefix(n);
  }
}

} // namespace nsq
