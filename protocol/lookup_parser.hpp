#pragma once

// nsqlookupd's V1 TCP input (reference §2-§3): the `  V1` magic, then
// newline-terminated commands; IDENTIFY is followed by a 4-byte big-endian
// size and a JSON body. An incremental decoder: bytes in, events out, with
// the line and body lengths bounded before anything is buffered (the Go
// daemon has no bounds and crashes on a negative size, §16.16).

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace nsq {

/// One decoded unit of client input.
struct lookup_event {
  enum class kind {
    command,        ///< a command line other than IDENTIFY: `tokens`
    identify,       ///< a first IDENTIFY with its `body`
    identify_again, ///< IDENTIFY after one was already decoded (body not read)
    fatal,          ///< `error` must be written, then the connection closed
  };
  kind what = kind::command;
  std::vector<std::string> tokens; ///< the trimmed line split on each 0x20
  std::string body;                ///< IDENTIFY body
  std::string error;               ///< response data for kind::fatal
};

/// Splits one command line as nsqlookupd does: trim Go's white space (ASCII
/// and Unicode spaces), then split on every single space byte.
std::vector<std::string> lookup_tokens(std::string_view line);

class lookup_parser {
public:
  static constexpr size_t default_max_line = 64 * 1024;
  static constexpr size_t default_max_body = 1024 * 1024;

  explicit lookup_parser(size_t max_line = default_max_line,
                         size_t max_body = default_max_body)
      : max_line_(max_line), max_body_(max_body) {}

  /// Decodes `data`, appending events to `out`. After a fatal event (or the
  /// end of input) everything further is ignored.
  void feed(std::string_view data, std::vector<lookup_event>& out);

  /// The peer closed its side: reports a half-read IDENTIFY (§5.1 checks 2
  /// and 4). A partial command line is dropped silently.
  void finish(std::vector<lookup_event>& out);

  /// Returns how many undecoded bytes are held (at most the larger bound).
  size_t buffered() const { return buf_.size() - pos_; }

  /// Returns whether no more input is decoded.
  bool done() const { return state_ == state::dead; }

private:
  enum class state { magic, line, size, body, dead };

  /// Decodes one unit from buf_; returns false when more bytes are needed.
  bool step(std::vector<lookup_event>& out);
  bool step_magic(std::vector<lookup_event>& out);
  bool step_line(std::vector<lookup_event>& out);
  bool step_size(std::vector<lookup_event>& out);
  bool step_body(std::vector<lookup_event>& out);
  void fail(std::string error, std::vector<lookup_event>& out);

  size_t max_line_;
  size_t max_body_;
  state state_ = state::magic;
  /// Undecoded input starts at buf_[pos_].
  std::string_view pending() const { return std::string_view(buf_).substr(pos_); }

  std::string buf_;
  size_t pos_ = 0;
  size_t body_size_ = 0;
  bool identified_ = false;
};

} // namespace nsq
