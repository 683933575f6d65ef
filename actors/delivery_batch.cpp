#include "actors/delivery_batch.hpp"

#include "protocol/message_frames.hpp"

#include <caf/sec.hpp>

#include <utility>

namespace nsq {

std::string pack_frames(const std::vector<delivery>& items) {
  size_t total = 0;
  for (auto& d : items)
    total += message_frame_head + data_of(d.msg).body.size();
  std::string out;
  out.reserve(total);
  for (auto& d : items)
    append_message_frame(out, view_of(data_of(d.msg), d.attempts));
  return out;
}

std::vector<delivery> deliveries_of(const delivery_batch& batch) {
  if (!batch.has_frames())
    return batch.items;
  std::vector<delivery> out;
  for_each_message_frame(batch.frames(), [&](std::string_view frame) {
    auto m = decode_message_frame(frame);
    out.push_back(delivery{message_ref{std::move(m.data)}, m.attempts});
  });
  return out;
}

caf::error delivery_batch::set_frames(std::string frames) {
  frames_.clear();
  frame_ids_.clear();
  if (!index_message_frames(frames, frame_ids_)) {
    frame_ids_.clear();
    return caf::make_error(caf::sec::invalid_argument,
                           "malformed delivery batch: not whole message frames");
  }
  frames_ = std::move(frames);
  return caf::none;
}

std::string delivery_batch::release_frames() {
  frame_ids_.clear();
  return std::exchange(frames_, std::string{});
}

} // namespace nsq
