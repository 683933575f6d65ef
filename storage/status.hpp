#pragma once

#include <string>

namespace nsq::storage {

/// The outcome of a storage operation: ok, or what went wrong and where.
/// Errors are values: nothing in storage/ throws on the data path.
class status {
public:
  enum class code { ok, not_found, corruption, io_error, no_space, invalid_argument };

  /// Returns success (as `ok()`).
  status() = default;

  /// Returns success.
  static status ok() { return status{}; }
  /// Returns "nothing there" (an absent file, an exhausted queue).
  static status not_found(std::string what) { return {code::not_found, std::move(what)}; }
  /// Returns "the bytes on disk are not what we wrote".
  static status corruption(std::string what) {
    return {code::corruption, std::move(what)};
  }
  /// Returns a failed system call; ENOSPC and EDQUOT become `no_space`.
  static status io_error(std::string context, int err);
  /// Returns "the disk is full" (kept apart so callers can say so).
  static status no_space(std::string what) { return {code::no_space, std::move(what)}; }
  /// Returns "the caller asked for something impossible".
  static status invalid_argument(std::string what) {
    return {code::invalid_argument, std::move(what)};
  }

  bool is_ok() const { return code_ == code::ok; }
  bool is_not_found() const { return code_ == code::not_found; }
  bool is_corruption() const { return code_ == code::corruption; }
  bool is_io_error() const { return code_ == code::io_error; }
  bool is_no_space() const { return code_ == code::no_space; }
  bool is_invalid_argument() const { return code_ == code::invalid_argument; }

  /// Returns the kind of outcome.
  code kind() const { return code_; }
  /// Returns the detail message (empty for ok).
  const std::string& message() const { return message_; }
  /// Returns "OK" or "<kind>: <message>", for logs and /ping.
  std::string to_string() const;

private:
  status(code c, std::string msg) : code_(c), message_(std::move(msg)) {}

  code code_ = code::ok;
  std::string message_;
};

} // namespace nsq::storage
