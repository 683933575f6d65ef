#pragma once

#include "actors/message_ref.hpp"
#include "protocol/frame.hpp"
#include "protocol/message.hpp"

#include <cstddef>
#include <string>
#include <string_view>

namespace nsq {

/// The frames a session has produced but not yet handed to its connection.
/// Frames are appended whole, so any prefix cut at a take() is a sequence of
/// complete frames. The session decides when to flush (§8.6).
class output_buffer {
public:
  /// Appends one response or error frame.
  void append_frame(frame_type type, std::string_view data) {
    nsq::append_frame(data_, type, data);
  }

  /// Appends one message frame.
  void append_message(const message_block& msg, uint16_t attempts) {
    append_message_frame(data_, view_of(msg, attempts));
  }

  /// Appends frames built elsewhere (message frames from another node).
  void append_frames(std::string_view frames) { data_.append(frames); }

  /// Returns whether nothing is buffered.
  bool empty() const { return data_.empty(); }

  /// Returns how many bytes are buffered.
  size_t size() const { return data_.size(); }

  /// Returns everything buffered and leaves the buffer empty.
  std::string take();

private:
  std::string data_;
};

} // namespace nsq
