#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

struct z_stream_s;

namespace nsq {

/// Raw DEFLATE (RFC 1951, no zlib or gzip wrapper) as nsqd speaks it once
/// deflate is negotiated (reference §6.5): one compression context per
/// direction for the life of the connection, a sync flush per flush.
namespace deflate_framing {
/// The empty stored block every sync flush ends with.
inline constexpr std::string_view sync_marker{"\x00\x00\xff\xff", 4};
} // namespace deflate_framing

/// Compresses one direction of a deflate stream.
class deflate_encoder {
public:
  /// Returns an encoder at `level` (1..9), or nothing when zlib refuses the
  /// level or has no memory.
  static std::optional<deflate_encoder> create(int level);

  /// Compresses `plain`, appends it to `out` and sync-flushes, so the peer
  /// can decode everything appended so far (the output ends with
  /// `00 00 ff ff`). Empty input appends nothing. Returns false if zlib
  /// failed; the stream is unusable then.
  bool append(std::string& out, std::string_view plain);

private:
  struct end_stream {
    void operator()(z_stream_s* s) const;
  };
  explicit deflate_encoder(std::unique_ptr<z_stream_s, end_stream> s);

  /// Heap-held: zlib's state points back at its z_stream, so it must not move.
  std::unique_ptr<z_stream_s, end_stream> stream_;
};

/// Decompresses one direction of a deflate stream, incrementally and with
/// bounded output: a decompression bomb yields at most `max_out` bytes per
/// call, and the caller decides when (and whether) to ask for more.
class deflate_decoder {
public:
  enum class status {
    ok,          ///< all input consumed; feed more when it arrives
    output_full, ///< `max_out` bytes produced; call again with the rest of
                 ///< the input (possibly empty) once they are processed
    end,         ///< the stream's final block ended; nothing more is read
    error,       ///< invalid deflate data; the stream is dead
  };

  struct result {
    size_t consumed = 0; ///< input bytes used; the caller keeps the rest
    status st = status::ok;
  };

  /// Returns a decoder, or nothing when zlib has no memory.
  static std::optional<deflate_decoder> create();

  /// Inflates from `in`, appending at most `max_out` bytes to `out`.
  result feed(std::string_view in, std::string& out, size_t max_out);

  /// Returns the state after the last feed().
  status state() const { return status_; }

private:
  struct end_stream {
    void operator()(z_stream_s* s) const;
  };
  explicit deflate_decoder(std::unique_ptr<z_stream_s, end_stream> s);

  std::unique_ptr<z_stream_s, end_stream> stream_;
  status status_ = status::ok;
};

} // namespace nsq
