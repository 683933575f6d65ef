// Fuzzes the snappy stream decoder (what a snappy client sends us): the input
// is fed in fuzzer-chosen pieces and must decode exactly as when fed whole,
// with bounded buffering; the payload must also survive an encode/decode
// round trip.
#include "fuzz/chunking.hpp"
#include "protocol/snappy_stream.hpp"

#include <cstdlib>

namespace {

using nsq::snappy_decoder;
namespace framing = nsq::snappy_framing;

void require(bool ok) {
  if (!ok)
    std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto [plan, payload] = nsq::fuzz::split_plan(data, size);

  snappy_decoder whole;
  std::string expected;
  auto whole_st = whole.feed(payload, expected);

  snappy_decoder pieces;
  std::string got;
  nsq::fuzz::for_each_chunk(payload, plan, [&](std::string_view piece) {
    size_t before = got.size();
    pieces.feed(piece, got);
    require(pieces.buffered() <= framing::header_size + framing::max_chunk_length);
    // Each data chunk of at least 5 wire bytes yields at most 64 KiB.
    require(got.size() - before <= framing::max_block_size * (piece.size() / 5 + 1));
  });
  require(pieces.state() == whole_st);
  require(got == expected);

  nsq::snappy_encoder encoder;
  std::string wire;
  nsq::fuzz::for_each_chunk(payload, plan,
                            [&](std::string_view piece) { encoder.append(wire, piece); });
  snappy_decoder round;
  std::string back;
  require(round.feed(wire, back) == snappy_decoder::status::ok);
  require(round.buffered() == 0);
  require(back == payload);
  return 0;
}
