#include "protocol/message_frames.hpp"

#include "protocol/frame.hpp"

#include <algorithm>
#include <cstdint>

namespace nsq {

namespace {

uint32_t be32(const char* p) {
  uint32_t x = 0;
  for (int i = 0; i < 4; ++i)
    x = (x << 8) | static_cast<unsigned char>(p[i]);
  return x;
}

} // namespace

bool index_message_frames(std::string_view frames, std::vector<message_id>& ids) {
  while (!frames.empty()) {
    if (frames.size() < message_frame_head)
      return false;
    // The size field counts the type and the payload, not itself.
    auto size = be32(frames.data());
    if (size < 4 + message_header_size || size > frames.size() - 4)
      return false;
    if (be32(frames.data() + 4) != static_cast<uint32_t>(frame_type::message))
      return false;
    ids.push_back(id_in_frame(frames));
    frames.remove_prefix(4 + size);
  }
  return true;
}

size_t first_frame_size(std::string_view frames) {
  return 4 + size_t{be32(frames.data())};
}

message_id id_in_frame(std::string_view frame) {
  message_id id;
  std::copy_n(frame.data() + 8 + 10, id.size(), id.begin());
  return id;
}

decoded_message decode_message_frame(std::string_view frame) {
  return *decode_message_payload(frame.substr(8));
}

} // namespace nsq
