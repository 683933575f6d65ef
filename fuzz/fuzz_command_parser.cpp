// Fuzzes the V2 command parser, the front door every byte of a client
// passes: the input is fed in fuzzer-chosen pieces and must parse exactly as
// when fed whole, with bounded buffering.
#include "fuzz/chunking.hpp"
#include "protocol/command_parser.hpp"

#include <cstdlib>

namespace {

using nsq::command;
using nsq::command_parser;

/// Small limits reach the body-size checks with short inputs.
nsq::settings limits_for(uint8_t plan) {
  nsq::settings cfg;
  if (plan & 0x80) {
    cfg.max_msg_size = 64;
    cfg.max_body_size = 256;
  }
  return cfg;
}

bool same(const command& a, const command& b) {
  return a.name == b.name && a.params == b.params && a.body == b.body &&
         a.messages == b.messages && a.body_error == b.body_error;
}

void require(bool ok) {
  if (!ok)
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto [plan, payload] = nsq::fuzz::split_plan(data, size);
  nsq::settings cfg = limits_for(plan);
  size_t max_buffered =
      command_parser::max_line_size + static_cast<size_t>(cfg.max_body_size);

  command_parser whole(cfg);
  std::vector<command> expected;
  whole.feed(payload, expected);
  whole.finish(expected);

  command_parser pieces(cfg);
  std::vector<command> got;
  nsq::fuzz::for_each_chunk(payload, plan, [&](std::string_view piece) {
    auto st = pieces.feed(piece, got);
    require(st == pieces.state());
    require(pieces.buffered() <= max_buffered);
  });
  pieces.finish(got);

  require(pieces.state() == whole.state());
  require(got.size() == expected.size());
  for (size_t i = 0; i < got.size(); ++i)
    require(same(got[i], expected[i]));
  for (const auto& cmd : got) {
    require(cmd.body.size() <= static_cast<size_t>(cfg.max_body_size));
    for (size_t i = 0; i < cmd.messages.size(); ++i)
      require(cmd.messages[i].size() <= static_cast<size_t>(cfg.max_msg_size));
  }
  return 0;
}
