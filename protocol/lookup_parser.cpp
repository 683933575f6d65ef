#include "protocol/lookup_parser.hpp"

#include <algorithm>
#include <cstdint>

namespace nsq {

namespace {

/// Length of the UTF-8 encoded Unicode space (unicode.IsSpace) at the start
/// of `s`, or 0.
size_t space_prefix(std::string_view s) {
  if (s.empty())
    return 0;
  auto c = static_cast<unsigned char>(s[0]);
  if (c == ' ' || (c >= '\t' && c <= '\r'))
    return 1;
  auto at = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  if (c == 0xC2 && s.size() >= 2 && (at(1) == 0x85 || at(1) == 0xA0))
    return 2;
  if (s.size() < 3)
    return 0;
  if (c == 0xE1 && at(1) == 0x9A && at(2) == 0x80) // U+1680
    return 3;
  if (c == 0xE2 && at(1) == 0x80 &&
      (at(2) <= 0x8A || at(2) == 0xA8 || at(2) == 0xA9 || at(2) == 0xAF))
    return 3; // U+2000..U+200A, U+2028, U+2029, U+202F
  if (c == 0xE2 && at(1) == 0x81 && at(2) == 0x9F) // U+205F
    return 3;
  if (c == 0xE3 && at(1) == 0x80 && at(2) == 0x80) // U+3000
    return 3;
  return 0;
}

/// Length of the Unicode space that ends `s`, or 0.
size_t space_suffix(std::string_view s) {
  for (size_t n = 1; n <= 3 && n <= s.size(); ++n)
    if (space_prefix(s.substr(s.size() - n)) == n)
      return n;
  return 0;
}

std::string_view trim_go_space(std::string_view s) {
  while (auto n = space_prefix(s))
    s.remove_prefix(n);
  while (auto n = space_suffix(s))
    s.remove_suffix(n);
  return s;
}

} // namespace

std::vector<std::string> lookup_tokens(std::string_view line) {
  auto s = trim_go_space(line);
  std::vector<std::string> out;
  for (;;) {
    auto sp = s.find(' ');
    out.emplace_back(s.substr(0, sp));
    if (sp == std::string_view::npos)
      return out;
    s.remove_prefix(sp + 1);
  }
}

void lookup_parser::feed(std::string_view data, std::vector<lookup_event>& out) {
  if (state_ == state::dead)
    return;
  buf_.append(data.data(), data.size());
  while (state_ != state::dead && step(out)) {
  }
  // Drop what was decoded once per feed, not once per command: a read full
  // of pipelined PINGs stays linear.
  buf_.erase(0, std::min(pos_, buf_.size()));
  pos_ = 0;
}

void lookup_parser::finish(std::vector<lookup_event>& out) {
  if (state_ == state::size)
    fail("E_BAD_BODY IDENTIFY failed to read body size", out);
  else if (state_ == state::body)
    fail("E_BAD_BODY IDENTIFY failed to read body", out);
  state_ = state::dead;
  buf_.clear();
  pos_ = 0;
}

bool lookup_parser::step(std::vector<lookup_event>& out) {
  switch (state_) {
  case state::magic:
    return step_magic(out);
  case state::line:
    return step_line(out);
  case state::size:
    return step_size(out);
  case state::body:
    return step_body(out);
  default:
    return false;
  }
}

bool lookup_parser::step_magic(std::vector<lookup_event>& out) {
  auto in = pending();
  if (in.size() < 4)
    return false;
  if (in.substr(0, 4) != "  V1") {
    fail("E_BAD_PROTOCOL", out);
    return false;
  }
  pos_ += 4;
  state_ = state::line;
  return true;
}

bool lookup_parser::step_line(std::vector<lookup_event>& out) {
  auto in = pending();
  auto nl = in.find('\n');
  if (nl == std::string_view::npos) {
    // Bound the line before buffering more of it (Go reads without limit).
    if (in.size() > max_line_)
      fail("E_INVALID line too long", out);
    return false;
  }
  if (nl > max_line_) {
    fail("E_INVALID line too long", out);
    return false;
  }
  lookup_event ev;
  ev.tokens = lookup_tokens(in.substr(0, nl));
  pos_ += nl + 1;
  if (ev.tokens[0] != "IDENTIFY") {
    out.push_back(std::move(ev));
    return true;
  }
  if (identified_) {
    // A second IDENTIFY is refused before its size and body are read.
    ev.what = lookup_event::kind::identify_again;
    out.push_back(std::move(ev));
    state_ = state::dead;
    pos_ = buf_.size(); // nothing after it is decoded
    return false;
  }
  state_ = state::size;
  return true;
}

bool lookup_parser::step_size(std::vector<lookup_event>& out) {
  auto in = pending();
  if (in.size() < 4)
    return false;
  auto b = [&](int i) {
    return static_cast<uint32_t>(static_cast<unsigned char>(in[i]));
  };
  auto size = static_cast<int32_t>(b(0) << 24 | b(1) << 16 | b(2) << 8 | b(3));
  pos_ += 4;
  // Negative (the Go daemon panics) or beyond our bound: never allocate it.
  if (size < 0 || static_cast<size_t>(size) > max_body_) {
    fail("E_BAD_BODY IDENTIFY failed to read body", out);
    return false;
  }
  body_size_ = static_cast<size_t>(size);
  state_ = state::body;
  return true;
}

bool lookup_parser::step_body(std::vector<lookup_event>& out) {
  auto in = pending();
  if (in.size() < body_size_)
    return false;
  lookup_event ev;
  ev.what = lookup_event::kind::identify;
  ev.tokens = {"IDENTIFY"};
  ev.body = std::string(in.substr(0, body_size_));
  pos_ += body_size_;
  out.push_back(std::move(ev));
  identified_ = true;
  state_ = state::line;
  return true;
}

void lookup_parser::fail(std::string error, std::vector<lookup_event>& out) {
  lookup_event ev;
  ev.what = lookup_event::kind::fatal;
  ev.error = std::move(error);
  out.push_back(std::move(ev));
  state_ = state::dead;
  pos_ = buf_.size(); // nothing after it is decoded
}

} // namespace nsq
