#pragma once

#include "protocol/command.hpp"
#include "protocol/settings.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nsq {

/// Incremental parser of the client → server byte stream of protocol V2:
/// the 4-byte magic, then `NAME params\n` lines with an optional 4-byte
/// big-endian size prefix and body for IDENTIFY, AUTH, PUB, MPUB and DPUB.
///
/// Bounded memory: a line is at most 16384 bytes including `\n`; a body is
/// judged on its size prefix (against --max-msg-size / --max-body-size)
/// before any of it is buffered, so no allocation is driven by an unchecked
/// size. A body whose prefix is invalid is not read: the command is emitted
/// with `body_error` set and the parser stops (that error is fatal). A
/// command whose line already fails a check nsqd makes before reading the
/// body (e.g. `PUB` without a topic, invalid topic name, DPUB timeout out of
/// range, AUTH with params) is emitted without reading the body and the
/// parser stops too: the session answers the fatal error and closes.
class command_parser {
public:
  enum class status {
    ok,            ///< everything fed was consumed; more may come
    bad_protocol,  ///< the magic was not "  V2": answer E_BAD_PROTOCOL, close
    line_too_long, ///< a line exceeded 16383 bytes: close without an error frame
    stopped,       ///< a command that ends the connection was emitted; input is ignored
  };

  static constexpr size_t max_line_size = 16384; // including the '\n'

  explicit command_parser(const settings& cfg);

  /// Consumes `bytes`, appending every complete command to `out`.
  status feed(std::string_view bytes, std::vector<command>& out);

  /// The client closed its side: a command whose size prefix or body was cut
  /// short is emitted with nsqd's read error (`... failed to read body size`,
  /// `... failed to read message body`, MPUB element errors) so the session
  /// can answer it before the connection goes.
  void finish(std::vector<command>& out);

  /// Returns the state after the last feed().
  status state() const { return status_; }

  /// Returns how many bytes are buffered waiting for the rest of a line or body.
  size_t buffered() const;

private:
  enum class stage { magic, line, body_size, body };
  bool on_line(std::string_view line, std::vector<command>& out);
  bool on_body_size(int32_t size, std::vector<command>& out);
  void on_body(std::vector<command>& out);
  void stop(command&& cmd, std::vector<command>& out);

  /// The few settings the parser reads (a whole `settings` copy per
  /// connection was 1.1 KB of every idle connection's RSS).
  struct limits {
    int64_t max_msg_size;
    int64_t max_body_size;
    int64_t max_mpub_count;
    settings::ms max_req_timeout;
    bool auth_required;
  };
  limits limits_;
  /// A SUB line was seen: the connection is subscribed (or the SUB failed and
  /// the connection closes). nsqd refuses IDENTIFY and AUTH there before it
  /// reads their body, so the parser must not wait for one.
  bool after_sub_ = false;
  /// An AUTH line was seen. Before one, with auth required, MPUB is refused
  /// (E_AUTH_FIRST) from its line, as nsqd does before reading the body.
  bool auth_seen_ = false;
  status status_ = status::ok;
  stage stage_ = stage::magic;
  std::string pending_;  ///< partial magic, line, size prefix or body
  size_t body_size_ = 0; ///< expected body length once the prefix is read
  command current_;      ///< command whose body is being read
};

} // namespace nsq
