// Fuzzes the raw-deflate stream decoder (what a deflate client sends us):
// output per call never exceeds the caller's bound, however much the input
// inflates, and the result does not depend on how the input is split or on
// the bound. The payload must also survive an encode/decode round trip.
#include "fuzz/chunking.hpp"
#include "protocol/deflate_stream.hpp"

#include <cstdlib>

namespace {

using nsq::deflate_decoder;
using status = deflate_decoder::status;

/// Stop inflating past this: bombs are bounded by the caller, as in net/.
constexpr size_t max_total = 4 << 20;

void require(bool ok) {
  if (!ok)
    std::abort();
}

/// Feeds `in` to `dec` with `max_out` per call, draining pending output;
/// returns false once `out` would pass max_total.
bool drain(deflate_decoder& dec, std::string_view in, std::string& out, size_t max_out) {
  for (;;) {
    size_t before = out.size();
    auto r = dec.feed(in, out, max_out);
    require(out.size() - before <= max_out);
    require(r.consumed <= in.size());
    require(r.st == dec.state());
    in.remove_prefix(r.consumed);
    if (out.size() > max_total)
      return false;
    if (r.st == status::end || r.st == status::error)
      return true;
    if (r.st == status::ok) {
      require(in.empty());
      return true;
    }
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto [plan, payload] = nsq::fuzz::split_plan(data, size);
  size_t max_out = 1 + (size_t{1} << (plan % 17));

  auto whole = deflate_decoder::create();
  require(whole.has_value());
  std::string expected;
  bool whole_done = drain(*whole, payload, expected, 1 << 20);

  auto pieces = deflate_decoder::create();
  std::string got;
  bool pieces_done = true;
  nsq::fuzz::for_each_chunk(payload, plan, [&](std::string_view piece) {
    if (pieces_done)
      pieces_done = drain(*pieces, piece, got, max_out);
  });
  if (whole_done && pieces_done) {
    require(got == expected);
    require(pieces->state() == whole->state());
  }

  auto encoder = nsq::deflate_encoder::create(1 + plan % 9);
  require(encoder.has_value());
  std::string wire;
  nsq::fuzz::for_each_chunk(payload, plan, [&](std::string_view piece) {
    require(encoder->append(wire, piece));
  });
  auto round = deflate_decoder::create();
  std::string back;
  require(drain(*round, wire, back, max_out));
  require(round->state() == status::ok);
  require(back == payload);
  return 0;
}
