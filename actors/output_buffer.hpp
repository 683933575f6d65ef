#pragma once

#include "actors/message_ref.hpp"
#include "protocol/frame.hpp"
#include "protocol/message.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace nsq {

/// The frames a session has produced but not yet handed to its connection.
/// Frames are appended whole, so whatever a drain() hands over is a sequence of
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

  /// Appends frames built elsewhere without copying them: `frames` is
  /// written as its own string (a relayed delivery batch is large).
  void append_whole(std::string frames);

  /// Returns whether nothing is buffered.
  bool empty() const { return size() == 0; }

  /// Returns how many bytes are buffered.
  size_t size() const { return whole_bytes_ + data_.size(); }

  /// Calls write(std::string) with everything buffered, in order, as one or
  /// more strings (one unless append_whole was used), and leaves the buffer
  /// empty.
  template <class Write> void drain(Write&& write) {
    for (auto& s : whole_)
      write(std::move(s));
    whole_.clear();
    whole_bytes_ = 0;
    if (!data_.empty())
      write(take_data());
  }

private:
  /// Returns data_ and leaves it empty.
  std::string take_data();

  /// Strings appended whole, and data_ before them sealed: all of them go
  /// out before data_.
  std::vector<std::string> whole_;
  size_t whole_bytes_ = 0;
  std::string data_;
};

} // namespace nsq
