#include "protocol/deflate_stream.hpp"

#include <catch2/catch.hpp>

#include <random>

using namespace nsq;
using namespace std::string_literals;
using inflate_status = deflate_decoder::status;

namespace {

const std::string ok_frame = "\x00\x00\x00\x06\x00\x00\x00\x00OK"s;
// What nsqd (Go's compress/flate) sends: all literals, then a sync flush.
const std::string observed_ok = "\x62\x60\x60\x60\x63\x60\x60\x60\xf0\xf7\x06\x00"
                                "\x00\x00\xff\xff"s;
// The second OK frame nsqd sends on the same stream: a back-reference.
const std::string observed_second_ok = "\x42\xb0\x00\x00\x00\x00\xff\xff"s;

std::string random_bytes(std::mt19937& rng, size_t n, bool compressible) {
  std::string s(n, '\0');
  std::uniform_int_distribution<int> byte(0, compressible ? 3 : 255);
  for (auto& c : s)
    c = static_cast<char>(byte(rng));
  return s;
}

/// Inflates all of `in` with at most `max_out` per call; returns the final status.
inflate_status inflate_all(deflate_decoder& dec, std::string_view in, std::string& out,
                           size_t max_out) {
  for (;;) {
    size_t before = out.size();
    auto r = dec.feed(in, out, max_out);
    REQUIRE(out.size() - before <= max_out);
    in.remove_prefix(r.consumed);
    if (r.st != inflate_status::output_full)
      return r.st;
  }
}

std::string compress(deflate_encoder& enc, std::string_view plain) {
  std::string out;
  REQUIRE(enc.append(out, plain));
  return out;
}

} // namespace

TEST_CASE("zlib at level 6 encodes the OK frame validly, not byte-identical to Go") {
  auto enc = deflate_encoder::create(6);
  REQUIRE(enc);
  std::string first = compress(*enc, ok_frame);
  // zlib finds the 3-byte match "00 00 00" (distance 4); Go's compress/flate
  // needs 4-byte matches and sends all ten bytes as literals.
  CHECK(first == "\x62\x60\x60\x60\x63\x00\x02\x7f\x6f\x00\x00\x00\x00\xff\xff"s);
  CHECK(first != observed_ok);
  std::string second = compress(*enc, ok_frame);
  CHECK(second == "\x62\x80\xb3\x00\x00\x00\x00\xff\xff"s);
  // Both end in the sync-flush marker, and any inflater reads either.
  CHECK(first.substr(first.size() - 4) == deflate_framing::sync_marker);
  auto dec = deflate_decoder::create();
  std::string out;
  CHECK(inflate_all(*dec, first + second, out, 1 << 20) == inflate_status::ok);
  CHECK(out == ok_frame + ok_frame);
}

TEST_CASE("nsqd's observed deflate bytes decode to two OK frames") {
  auto dec = deflate_decoder::create();
  REQUIRE(dec);
  std::string out;
  CHECK(inflate_all(*dec, observed_ok, out, 1 << 20) == inflate_status::ok);
  CHECK(out == ok_frame);
  CHECK(inflate_all(*dec, observed_second_ok, out, 1 << 20) == inflate_status::ok);
  CHECK(out == ok_frame + ok_frame);
}

TEST_CASE("every append ends with a sync flush, so the peer can decode it at once") {
  auto enc = deflate_encoder::create(6);
  auto dec = deflate_decoder::create();
  std::string decoded;
  for (std::string msg : {"PUB t\n"s, "hello"s, std::string(70000, 'x'), "bye"s}) {
    std::string wire = compress(*enc, msg);
    CHECK(wire.substr(wire.size() - 4) == deflate_framing::sync_marker);
    decoded.clear();
    CHECK(inflate_all(*dec, wire, decoded, 1 << 20) == inflate_status::ok);
    CHECK(decoded == msg);
  }
}

TEST_CASE("empty input appends nothing") {
  auto enc = deflate_encoder::create(6);
  std::string out;
  CHECK(enc->append(out, ""));
  CHECK(out.empty());
}

TEST_CASE("levels outside 1..9 are refused, 1..9 work") {
  CHECK_FALSE(deflate_encoder::create(10));
  CHECK_FALSE(deflate_encoder::create(-5));
  for (int level = 1; level <= 9; ++level)
    CHECK(deflate_encoder::create(level));
}

TEST_CASE("random data in random pieces round-trips at every level") {
  std::mt19937 rng(1);
  for (int level = 1; level <= 9; ++level) {
    auto enc = deflate_encoder::create(level);
    auto dec = deflate_decoder::create();
    std::string wire, plain, out;
    std::uniform_int_distribution<size_t> len(0, 90000);
    for (int i = 0; i < 4; ++i) {
      std::string part = random_bytes(rng, len(rng), i % 2 == 0);
      REQUIRE(enc->append(wire, part));
      plain += part;
    }
    std::uniform_int_distribution<size_t> piece(1, 3000), cap(1, 70000);
    size_t pos = 0;
    while (pos < wire.size()) {
      size_t n = std::min(piece(rng), wire.size() - pos);
      REQUIRE(inflate_all(*dec, std::string_view(wire).substr(pos, n), out, cap(rng)) ==
              inflate_status::ok);
      pos += n;
    }
    CHECK(out == plain);
  }
}

TEST_CASE("a decompression bomb yields at most max_out per call") {
  auto enc = deflate_encoder::create(9);
  std::string wire = compress(*enc, std::string(50 << 20, '\0')); // 50 MiB of zeros
  CHECK(wire.size() < 100000);
  auto dec = deflate_decoder::create();
  std::string out;
  auto r = dec->feed(wire, out, 4096);
  CHECK(r.st == inflate_status::output_full);
  CHECK(out.size() == 4096);
  CHECK(r.consumed < wire.size());
  SECTION("and the caller can keep pulling in bounded steps") {
    std::string_view rest = std::string_view(wire).substr(r.consumed);
    size_t total = out.size();
    while (total < (1u << 20)) {
      out.clear();
      r = dec->feed(rest, out, 65536);
      rest.remove_prefix(r.consumed);
      CHECK(out.size() <= 65536);
      total += out.size();
      REQUIRE(r.st == inflate_status::output_full);
    }
  }
}

TEST_CASE("pending output is delivered on a call with no new input") {
  auto enc = deflate_encoder::create(6);
  std::string wire = compress(*enc, std::string(1000, 'a'));
  auto dec = deflate_decoder::create();
  std::string out;
  auto r = dec->feed(wire, out, 10);
  CHECK(r.st == inflate_status::output_full);
  std::string_view rest = std::string_view(wire).substr(r.consumed);
  CHECK(inflate_all(*dec, rest, out, 10) == inflate_status::ok);
  CHECK(out == std::string(1000, 'a'));
}

TEST_CASE("garbage is an error and the stream stays dead") {
  auto dec = deflate_decoder::create();
  std::string out;
  // BTYPE 11 is reserved.
  auto r = dec->feed("\x07\x00\x00"s, out, 1024);
  CHECK(r.st == inflate_status::error);
  r = dec->feed(observed_ok, out, 1024);
  CHECK(r.st == inflate_status::error);
  CHECK(r.consumed == 0);
}

TEST_CASE("a back-reference before the start of the stream is an error") {
  auto dec = deflate_decoder::create();
  std::string out;
  // The observed second OK frame refers to 10 bytes nobody sent on this stream.
  CHECK(inflate_all(*dec, observed_second_ok, out, 1024) == inflate_status::error);
}

TEST_CASE("a truncated stream waits for the rest") {
  auto enc = deflate_encoder::create(6);
  std::string msg = "PUB topic\n\x00\x00\x00\x05hello"s;
  std::string wire = compress(*enc, msg);
  for (size_t cut = 0; cut < wire.size(); ++cut) {
    auto dec = deflate_decoder::create();
    std::string out;
    CHECK(inflate_all(*dec, std::string_view(wire).substr(0, cut), out, 1 << 20) ==
          inflate_status::ok);
    CHECK(inflate_all(*dec, std::string_view(wire).substr(cut), out, 1 << 20) ==
          inflate_status::ok);
    CHECK(out == msg);
  }
}

TEST_CASE("a final block ends the stream, bytes after it are not consumed") {
  // Final stored block with "hi", then junk.
  std::string wire = "\x01\x02\x00\xfd\xffhi"s + "junk";
  auto dec = deflate_decoder::create();
  std::string out;
  auto r = dec->feed(wire, out, 1024);
  CHECK(r.st == inflate_status::end);
  CHECK(out == "hi");
  CHECK(r.consumed == 7);
  CHECK(dec->feed("more", out, 1024).st == inflate_status::end);
}

TEST_CASE("max_out of zero consumes nothing") {
  auto dec = deflate_decoder::create();
  std::string out;
  auto r = dec->feed(observed_ok, out, 0);
  CHECK(r.st == inflate_status::output_full);
  CHECK(out.empty());
}
