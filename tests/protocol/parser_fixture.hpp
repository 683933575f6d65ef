#pragma once

// Helpers of the command parser's tests: feeding a stream whole or in chunks,
// comparing the commands two runs emitted, and building body frames.

#include "protocol/command_parser.hpp"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace parser_test {

using namespace nsq;
using status = command_parser::status;

inline std::string be32(int64_t x) {
  auto u = static_cast<uint32_t>(x);
  return {static_cast<char>(u >> 24), static_cast<char>(u >> 16),
          static_cast<char>(u >> 8), static_cast<char>(u)};
}

inline std::string sized(const std::string& body) {
  return be32(static_cast<int64_t>(body.size())) + body;
}

inline std::string mpub_body(const std::vector<std::string>& msgs) {
  std::string body = be32(static_cast<int64_t>(msgs.size()));
  for (auto& m : msgs)
    body += sized(m);
  return body;
}

struct run_result {
  std::vector<command> cmds;
  status st = status::ok;
  size_t max_buffered = 0;
};

/// Feeds `stream` in chunks whose sizes `next_chunk` picks.
template <class F>
run_result run_chunked(const std::string& stream, F next_chunk,
                       settings cfg = settings{}) {
  command_parser parser(cfg);
  run_result r;
  size_t pos = 0;
  while (pos < stream.size()) {
    size_t n = std::min(next_chunk(), stream.size() - pos);
    r.st = parser.feed(std::string_view(stream).substr(pos, n), r.cmds);
    r.max_buffered = std::max(r.max_buffered, parser.buffered());
    CHECK(parser.state() == r.st);
    pos += n;
  }
  return r;
}

inline run_result run(const std::string& stream, settings cfg = settings{}) {
  return run_chunked(
      stream, [&] { return stream.size(); }, cfg);
}

inline run_result run_bytewise(const std::string& stream, settings cfg = settings{}) {
  return run_chunked(
      stream, [] { return size_t{1}; }, cfg);
}

inline bool same(const command& a, const command& b) {
  return a.name == b.name && a.params == b.params && a.id == b.id && a.body == b.body &&
         a.messages == b.messages && a.body_error == b.body_error;
}

inline void check_same(const run_result& a, const run_result& b) {
  CHECK(a.st == b.st);
  REQUIRE(a.cmds.size() == b.cmds.size());
  for (size_t i = 0; i < a.cmds.size(); ++i) {
    CAPTURE(i, a.cmds[i].name);
    CHECK(same(a.cmds[i], b.cmds[i]));
  }
}

inline const std::string magic = "  V2";

/// Runs one body command after the magic and returns its body error text.
inline std::string body_error_of(const std::string& bytes, settings cfg = settings{}) {
  auto r = run(magic + bytes, cfg);
  CHECK(r.st == status::stopped);
  REQUIRE(r.cmds.size() == 1);
  CHECK(r.cmds[0].has_body_error());
  CHECK(r.cmds[0].body.empty());
  CHECK(r.cmds[0].messages.empty());
  CHECK(r.cmds[0].body_error.fatal);
  // The same result arrives byte by byte.
  auto b = run_bytewise(magic + bytes, cfg);
  check_same(r, b);
  return r.cmds[0].body_error.wire();
}

} // namespace parser_test
