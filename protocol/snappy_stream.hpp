#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace nsq {

/// The snappy framing format as nsqd speaks it once snappy is negotiated
/// (reference §6.4): one stream per direction, a stream identifier chunk
/// first, then data chunks of at most 64 KiB of uncompressed bytes, each
/// carrying the masked CRC-32C of its uncompressed bytes.
namespace snappy_framing {
/// The stream identifier chunk: type 0xff, length 6, "sNaPpY".
inline constexpr std::string_view stream_identifier{"\xff\x06\x00\x00sNaPpY", 10};
inline constexpr size_t header_size = 4;   ///< type byte + 3-byte LE length
inline constexpr size_t checksum_size = 4; ///< masked CRC-32C, LE
/// Most uncompressed bytes in one data chunk.
inline constexpr size_t max_block_size = 65536;
/// Longest chunk body a reader accepts: the worst-case snappy encoding of
/// a full block (32 + n + n/6) plus the checksum, as nsqd's reader (Go
/// snappy) bounds it; longer chunks, even skippable ones, are refused.
inline constexpr size_t max_chunk_length = 32 + max_block_size + max_block_size / 6 + 4;

enum chunk_type : uint8_t {
  compressed_data = 0x00,
  uncompressed_data = 0x01,
  padding = 0xfe,
  stream_identifier_type = 0xff,
};
} // namespace snappy_framing

/// Writes one direction of a snappy stream. Like nsqd's writer, a chunk is
/// stored uncompressed when compression does not save at least 1/8 of it.
class snappy_encoder {
public:
  /// Appends the chunks for `plain` to `out`; the stream identifier goes
  /// before the first chunk of the stream. Empty input writes nothing.
  void append(std::string& out, std::string_view plain);

private:
  void append_chunk(std::string& out, std::string_view block);

  bool wrote_identifier_ = false;
};

/// Reads one direction of a snappy stream, incrementally: bytes may arrive
/// split anywhere. Memory is bounded: at most one chunk (max_chunk_length +
/// header) is buffered, and each chunk yields at most 64 KiB, so `out` grows
/// by at most ~22 bytes per input byte plus 64 KiB per feed.
class snappy_decoder {
public:
  enum class status {
    ok,          ///< everything fed was consumed; more may come
    corrupt,     ///< bad identifier, chunk length, checksum or snappy block
    unsupported, ///< a reserved unskippable chunk type or an oversized chunk
  };

  /// Consumes `in`, appending the decoded bytes of every complete data
  /// chunk to `out`. After an error the stream is dead: every later call
  /// returns the same status and consumes nothing.
  status feed(std::string_view in, std::string& out);

  /// Returns the state after the last feed().
  status state() const { return status_; }

  /// Returns why the stream failed (empty while it is fine).
  std::string_view error_text() const { return error_text_; }

  /// Returns how many bytes of an incomplete chunk are buffered.
  size_t buffered() const { return pending_.size(); }

private:
  status on_header(uint8_t type, size_t length);
  status on_chunk(uint8_t type, std::string_view body, std::string& out);
  status fail(status st, const char* why);

  status status_ = status::ok;
  const char* error_text_ = "";
  bool saw_identifier_ = false;
  std::string pending_; ///< partial chunk: header, then body
};

} // namespace nsq
