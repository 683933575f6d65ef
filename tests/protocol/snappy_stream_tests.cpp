#include "protocol/snappy_stream.hpp"

#include "protocol/crc32c.hpp"

#include <catch2/catch.hpp>

#include <random>

using namespace nsq;
using namespace std::string_literals;
using snappy_status = snappy_decoder::status;

namespace {

const std::string ok_frame = "\x00\x00\x00\x06\x00\x00\x00\x00OK"s;
const std::string observed_ok = "\xff\x06\x00\x00sNaPpY"
                                "\x01\x0e\x00\x00\x26\x98\x2b\xcf"
                                "\x00\x00\x00\x06\x00\x00\x00\x00OK"s;

std::string le(uint32_t x, size_t bytes) {
  std::string s;
  for (size_t i = 0; i < bytes; ++i)
    s += static_cast<char>((x >> (8 * i)) & 0xff);
  return s;
}

/// A chunk of `type` with `body` as its payload (checksum included by the caller).
std::string chunk(uint8_t type, const std::string& body) {
  return std::string(1, static_cast<char>(type)) +
         le(static_cast<uint32_t>(body.size()), 3) + body;
}

std::string uncompressed_chunk(const std::string& data) {
  return chunk(0x01, le(snappy_checksum(data), 4) + data);
}

std::string random_bytes(std::mt19937& rng, size_t n, bool compressible) {
  std::string s(n, '\0');
  std::uniform_int_distribution<int> byte(0, compressible ? 3 : 255);
  for (auto& c : s)
    c = static_cast<char>(byte(rng));
  return s;
}

struct decoded {
  std::string out;
  snappy_status st = snappy_status::ok;
  size_t max_buffered = 0;
};

decoded decode_in_random_pieces(const std::string& wire, std::mt19937& rng) {
  snappy_decoder dec;
  decoded r;
  std::uniform_int_distribution<size_t> piece(1, 5000);
  size_t pos = 0;
  while (pos < wire.size()) {
    size_t n = std::min(piece(rng), wire.size() - pos);
    r.st = dec.feed(std::string_view(wire).substr(pos, n), r.out);
    r.max_buffered = std::max(r.max_buffered, dec.buffered());
    pos += n;
  }
  return r;
}

std::string decode_all(const std::string& wire, snappy_status expect) {
  snappy_decoder dec;
  std::string out;
  CHECK(dec.feed(wire, out) == expect);
  return out;
}

} // namespace

TEST_CASE("encoding the OK frame gives the bytes nsqd sends after negotiation") {
  snappy_encoder enc;
  std::string out;
  enc.append(out, ok_frame);
  CHECK(out == observed_ok);
}

TEST_CASE("the stream identifier is written once per stream") {
  snappy_encoder enc;
  std::string out;
  enc.append(out, ok_frame);
  out.clear();
  enc.append(out, ok_frame);
  CHECK(out == observed_ok.substr(10));
}

TEST_CASE("empty input writes nothing, not even the identifier") {
  snappy_encoder enc;
  std::string out;
  enc.append(out, "");
  CHECK(out.empty());
}

TEST_CASE("compressible data is written as a compressed chunk") {
  snappy_encoder enc;
  std::string out;
  std::string data(1000, 'a');
  enc.append(out, data);
  REQUIRE(out.size() > 14);
  CHECK(static_cast<uint8_t>(out[10]) == 0x00);
  CHECK(out.size() < 100);
  CHECK(decode_all(out, snappy_status::ok) == data);
}

TEST_CASE("the observed OK stream decodes to the OK frame") {
  CHECK(decode_all(observed_ok, snappy_status::ok) == ok_frame);
}

TEST_CASE("inputs over 64 KiB are split into chunks of at most 64 KiB") {
  std::mt19937 rng(7);
  std::string data = random_bytes(rng, 200000, false);
  snappy_encoder enc;
  std::string out;
  enc.append(out, data);
  // Incompressible: 4 uncompressed chunks of 65536, 65536, 65536 and 3392 bytes.
  size_t pos = 10, chunks = 0;
  while (pos < out.size()) {
    CHECK(static_cast<uint8_t>(out[pos]) == 0x01);
    size_t len = static_cast<uint8_t>(out[pos + 1]) |
                 static_cast<uint8_t>(out[pos + 2]) << 8 |
                 static_cast<uint8_t>(out[pos + 3]) << 16;
    CHECK(len <= 4 + 65536);
    pos += 4 + len;
    ++chunks;
  }
  CHECK(pos == out.size());
  CHECK(chunks == 4);
  CHECK(decode_all(out, snappy_status::ok) == data);
}

TEST_CASE("random data in random pieces round-trips") {
  std::mt19937 rng(42);
  for (int round = 0; round < 20; ++round) {
    snappy_encoder enc;
    std::string wire, plain;
    std::uniform_int_distribution<size_t> len(0, 100000);
    for (int i = 0; i < 5; ++i) {
      std::string part = random_bytes(rng, len(rng), round % 2 == 0);
      enc.append(wire, part);
      plain += part;
    }
    auto r = decode_in_random_pieces(wire, rng);
    CHECK(r.st == snappy_status::ok);
    CHECK(r.out == plain);
    CHECK(r.max_buffered <= 4 + snappy_framing::max_chunk_length);
  }
}

TEST_CASE("a stream fed one byte at a time decodes") {
  snappy_decoder dec;
  std::string out;
  for (char c : observed_ok + uncompressed_chunk("more"))
    REQUIRE(dec.feed(std::string_view(&c, 1), out) == snappy_status::ok);
  CHECK(out == ok_frame + "more");
  CHECK(dec.buffered() == 0);
}

TEST_CASE("a corrupt checksum fails the stream") {
  std::string wire = observed_ok;
  wire[14] ^= 0x01;
  snappy_decoder dec;
  std::string out;
  CHECK(dec.feed(wire, out) == snappy_status::corrupt);
  CHECK(out.empty());
  CHECK(dec.error_text() == "snappy chunk checksum mismatch");
  SECTION("and stays failed") {
    CHECK(dec.feed(observed_ok, out) == snappy_status::corrupt);
    CHECK(out.empty());
  }
}

TEST_CASE("a corrupt checksum of a compressed chunk fails the stream") {
  snappy_encoder enc;
  std::string wire;
  enc.append(wire, std::string(1000, 'z'));
  REQUIRE(static_cast<uint8_t>(wire[10]) == 0x00);
  wire[15] ^= 0x10;
  CHECK(decode_all(wire, snappy_status::corrupt).empty());
}

TEST_CASE("a corrupt snappy block fails the stream") {
  // Block claims 5 bytes but carries a copy reaching before its start.
  std::string block = "\x05\x01\x05"s;
  std::string wire = std::string(snappy_framing::stream_identifier) +
                     chunk(0x00, le(snappy_checksum("aaaaa"), 4) + block);
  CHECK(decode_all(wire, snappy_status::corrupt).empty());
}

TEST_CASE("a compressed block announcing more than 64 KiB is refused before decoding") {
  // varint 65537 = 81 80 04
  std::string block = "\x81\x80\x04"s;
  std::string wire =
      std::string(snappy_framing::stream_identifier) + chunk(0x00, le(0, 4) + block);
  snappy_decoder dec;
  std::string out;
  CHECK(dec.feed(wire, out) == snappy_status::corrupt);
  CHECK(dec.error_text() == "snappy block larger than 64 KiB");
}

TEST_CASE("a truncated stream waits for the rest and produces nothing yet") {
  std::string wire = observed_ok;
  for (size_t cut = 0; cut < wire.size(); ++cut) {
    snappy_decoder dec;
    std::string out;
    CHECK(dec.feed(wire.substr(0, cut), out) == snappy_status::ok);
    CHECK(out.empty());
    CHECK(dec.feed(wire.substr(cut), out) == snappy_status::ok);
    CHECK(out == ok_frame);
  }
}

TEST_CASE("a stream not starting with the identifier is corrupt") {
  snappy_decoder dec;
  std::string out;
  CHECK(dec.feed(uncompressed_chunk("x"), out) == snappy_status::corrupt);
  CHECK(out.empty());
}

TEST_CASE("a bad stream identifier is corrupt") {
  CHECK(decode_all("\xff\x06\x00\x00sNaPpZ"s, snappy_status::corrupt).empty());
  CHECK(decode_all("\xff\x05\x00\x00sNaPp"s, snappy_status::corrupt).empty());
}

TEST_CASE("a repeated stream identifier is accepted") {
  std::string wire = observed_ok + std::string(snappy_framing::stream_identifier) +
                     uncompressed_chunk("x");
  CHECK(decode_all(wire, snappy_status::ok) == ok_frame + "x");
}

TEST_CASE("padding and reserved skippable chunks are skipped") {
  std::string wire = std::string(snappy_framing::stream_identifier) +
                     chunk(0xfe, std::string(100, '\0')) + uncompressed_chunk("a") +
                     chunk(0x80, "ignored") + chunk(0xfd, "") + uncompressed_chunk("b");
  CHECK(decode_all(wire, snappy_status::ok) == "ab");
}

TEST_CASE("reserved unskippable chunk types are unsupported") {
  for (int type : {0x02, 0x42, 0x7f}) {
    std::string wire = std::string(snappy_framing::stream_identifier) +
                       chunk(static_cast<uint8_t>(type), "data");
    CHECK(decode_all(wire, snappy_status::unsupported).empty());
  }
}

TEST_CASE("an oversized chunk is refused from its header, before buffering") {
  std::string header = "\x80\xff\xff\xff"s; // skippable, 16 MiB - 1
  snappy_decoder dec;
  std::string out;
  CHECK(dec.feed(std::string(snappy_framing::stream_identifier) + header, out) ==
        snappy_status::unsupported);
  CHECK(dec.buffered() == 0);
}

TEST_CASE("an uncompressed chunk over 64 KiB is corrupt") {
  std::string data(65537, 'q');
  std::string wire =
      std::string(snappy_framing::stream_identifier) + uncompressed_chunk(data);
  CHECK(decode_all(wire, snappy_status::corrupt).empty());
}

TEST_CASE("a data chunk shorter than its checksum is corrupt") {
  std::string wire = std::string(snappy_framing::stream_identifier) + chunk(0x01, "abc");
  CHECK(decode_all(wire, snappy_status::corrupt).empty());
}

TEST_CASE("a small snappy bomb stays bounded by 64 KiB per chunk") {
  // The densest block for 64 KiB of zeros: output per chunk is capped anyway.
  snappy_encoder enc;
  std::string wire;
  enc.append(wire, std::string(65536, '\0'));
  CHECK(wire.size() < 4000);
  snappy_decoder dec;
  std::string out;
  CHECK(dec.feed(wire, out) == snappy_status::ok);
  CHECK(out.size() == 65536);
}
