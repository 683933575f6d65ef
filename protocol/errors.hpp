#pragma once

#include <string>

namespace nsq {

/// The E_* codes of protocol V2 (reference §5.13), in one place.
namespace codes {
inline constexpr const char* bad_protocol = "E_BAD_PROTOCOL";
inline constexpr const char* invalid = "E_INVALID";
inline constexpr const char* bad_body = "E_BAD_BODY";
inline constexpr const char* bad_topic = "E_BAD_TOPIC";
inline constexpr const char* bad_channel = "E_BAD_CHANNEL";
inline constexpr const char* bad_message = "E_BAD_MESSAGE";
inline constexpr const char* identify_failed = "E_IDENTIFY_FAILED";
inline constexpr const char* auth_disabled = "E_AUTH_DISABLED";
inline constexpr const char* auth_failed = "E_AUTH_FAILED";
inline constexpr const char* unauthorized = "E_UNAUTHORIZED";
inline constexpr const char* auth_first = "E_AUTH_FIRST";
inline constexpr const char* auth_error = "E_AUTH_ERROR";
inline constexpr const char* sub_failed = "E_SUB_FAILED";
inline constexpr const char* pub_failed = "E_PUB_FAILED";
inline constexpr const char* mpub_failed = "E_MPUB_FAILED";
inline constexpr const char* dpub_failed = "E_DPUB_FAILED";
inline constexpr const char* fin_failed = "E_FIN_FAILED";
inline constexpr const char* req_failed = "E_REQ_FAILED";
inline constexpr const char* touch_failed = "E_TOUCH_FAILED";
} // namespace codes

/// An error answered to a client: `<code> <text>` in an error frame. Fatal
/// errors close the connection after the frame is flushed.
struct client_error {
  std::string code;
  std::string text;
  bool fatal = true;

  /// Returns the error frame's data: code, one space, text.
  std::string wire() const { return code + " " + text; }
};

inline bool operator==(const client_error& a, const client_error& b) {
  return a.code == b.code && a.text == b.text && a.fatal == b.fatal;
}

/// Returns a fatal error (every code but FIN/REQ/TOUCH failures).
inline client_error fatal_error(const char* code, std::string text) {
  return client_error{code, std::move(text), true};
}

/// Returns a non-fatal error (E_FIN_FAILED, E_REQ_FAILED, E_TOUCH_FAILED).
inline client_error non_fatal_error(const char* code, std::string text) {
  return client_error{code, std::move(text), false};
}

/// Returns `s` quoted like Go's %q verb (double quotes, backslash escapes for
/// non-printable bytes), as nsqd prints names in error texts.
std::string go_quote(const std::string& s);

} // namespace nsq
