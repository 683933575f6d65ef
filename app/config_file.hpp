#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace nsq {

/// A TOML config file (nsqd's `--config`) read key by key into typed values
/// with nsqd's coercions (reference §14.1): durations are a Go duration
/// string or integer milliseconds, string lists an array or one
/// comma-separated string, ints and bools native or as strings.
///
/// Every `read` leaves `out` alone when the key is absent and returns "" on
/// success, else a message naming the key and the value:
/// `failed parsing mem_queue_size "lots" - expected an integer`.
/// Reading a key marks it known; `unknown_keys` lists the others, so a
/// typo stops the start instead of being silently ignored.
class config_file {
public:
  /// Loads and parses `path`; on failure returns null and sets `err`
  /// (`failed to load config file <path> - <reason>`).
  static std::unique_ptr<config_file> load(const std::string& path, std::string& err);

  /// Parses TOML text (`origin` names it in errors).
  static std::unique_ptr<config_file> parse(std::string_view text,
                                            const std::string& origin, std::string& err);

  ~config_file();
  config_file(const config_file&) = delete;
  config_file& operator=(const config_file&) = delete;

  /// Returns whether the file sets `key` (and marks it known).
  bool has(std::string_view key);

  std::string read(std::string_view key, std::string& out);
  std::string read(std::string_view key, int64_t& out);
  std::string read(std::string_view key, bool& out);
  std::string read(std::string_view key, std::chrono::milliseconds& out);
  std::string read(std::string_view key, std::vector<std::string>& out);
  std::string read(std::string_view key, std::vector<double>& out);

  /// Reads any scalar as Go's `%v` prints it (strings raw, `true`, `5`), for
  /// options whose own parser decides (enums such as `tls_required`).
  std::string read_text(std::string_view key, std::string& out);

  /// Returns the top-level keys no `read` or `has` asked for, sorted.
  std::vector<std::string> unknown_keys() const;

  /// Returns the file name given to load (or parse's `origin`).
  const std::string& origin() const { return origin_; }

private:
  struct impl;
  config_file(std::unique_ptr<impl> data, std::string origin);

  std::unique_ptr<impl> impl_;
  std::string origin_;
  std::set<std::string, std::less<>> known_;
};

} // namespace nsq
