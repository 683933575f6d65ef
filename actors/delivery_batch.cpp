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
  if (batch.frames.empty())
    return batch.items;
  std::vector<delivery> out;
  for_each_message_frame(batch.frames, [&](std::string_view frame) {
    auto m = decode_message_frame(frame);
    out.push_back(delivery{message_ref{std::move(m.data)}, m.attempts});
  });
  return out;
}

caf::error check_frames(const std::string& frames) {
  if (count_message_frames(frames))
    return caf::none;
  return caf::make_error(caf::sec::invalid_argument,
                         "malformed delivery batch: not whole message frames");
}

} // namespace nsq
