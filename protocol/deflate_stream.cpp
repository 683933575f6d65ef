#include "protocol/deflate_stream.hpp"

#include <zlib.h>

#include <algorithm>

namespace nsq {

namespace {

constexpr int raw_window_bits = -15; // negative: no zlib header or trailer
constexpr int mem_level = 8;
/// Inflate writes into `out` in steps of at most this many bytes.
constexpr size_t inflate_step = 16384;

unsigned char* as_bytes(const char* p) {
  // zlib's next_in is not const-qualified but is never written through.
  return reinterpret_cast<unsigned char*>(const_cast<char*>(p));
}

} // namespace

// -- encoder ------------------------------------------------------------------

void deflate_encoder::end_stream::operator()(z_stream_s* s) const {
  deflateEnd(s);
  delete s;
}

deflate_encoder::deflate_encoder(std::unique_ptr<z_stream_s, end_stream> s)
    : stream_(std::move(s)) {}

std::optional<deflate_encoder> deflate_encoder::create(int level) {
  auto* raw = new z_stream{};
  if (deflateInit2(raw, level, Z_DEFLATED, raw_window_bits, mem_level,
                   Z_DEFAULT_STRATEGY) != Z_OK) {
    delete raw;
    return std::nullopt;
  }
  return deflate_encoder(std::unique_ptr<z_stream_s, end_stream>(raw));
}

bool deflate_encoder::append(std::string& out, std::string_view plain) {
  if (plain.empty())
    return true;
  z_stream& s = *stream_;
  s.next_in = as_bytes(plain.data());
  s.avail_in = static_cast<uInt>(plain.size());
  // Frames are far below 4 GiB (max body 5 MiB), but never truncate avail_in.
  if (s.avail_in != plain.size())
    return false;
  size_t step = deflateBound(&s, s.avail_in) + 16;
  do {
    size_t at = out.size();
    out.resize(at + step);
    s.next_out = reinterpret_cast<unsigned char*>(&out[at]);
    s.avail_out = static_cast<uInt>(step);
    int rc = deflate(&s, Z_SYNC_FLUSH);
    out.resize(at + step - s.avail_out);
    if (rc != Z_OK && rc != Z_BUF_ERROR)
      return false;
  } while (s.avail_out == 0); // zlib wants more room to finish the flush
  return s.avail_in == 0;
}

// -- decoder ------------------------------------------------------------------

void deflate_decoder::end_stream::operator()(z_stream_s* s) const {
  inflateEnd(s);
  delete s;
}

deflate_decoder::deflate_decoder(std::unique_ptr<z_stream_s, end_stream> s)
    : stream_(std::move(s)) {}

std::optional<deflate_decoder> deflate_decoder::create() {
  auto* raw = new z_stream{};
  if (inflateInit2(raw, raw_window_bits) != Z_OK) {
    delete raw;
    return std::nullopt;
  }
  return deflate_decoder(std::unique_ptr<z_stream_s, end_stream>(raw));
}

deflate_decoder::result deflate_decoder::feed(std::string_view in, std::string& out,
                                              size_t max_out) {
  if (status_ == status::end || status_ == status::error)
    return {0, status_};
  z_stream& s = *stream_;
  size_t consumed = 0;
  size_t produced = 0;
  status_ = status::ok;
  for (;;) {
    if (s.avail_in ==
        0) { // (re)fill, at most 1 GiB at a time so avail_in never truncates
      size_t n = std::min<size_t>(in.size() - consumed, size_t{1} << 30);
      s.next_in = as_bytes(in.data() + consumed);
      s.avail_in = static_cast<uInt>(n);
    }
    size_t room = max_out - produced;
    if (room == 0) {
      status_ = status::output_full;
      break;
    }
    size_t step = std::min(room, inflate_step);
    size_t at = out.size();
    out.resize(at + step);
    s.next_out = reinterpret_cast<unsigned char*>(&out[at]);
    s.avail_out = static_cast<uInt>(step);
    uInt before = s.avail_in;
    int rc = inflate(&s, Z_NO_FLUSH);
    consumed += before - s.avail_in;
    size_t got = step - s.avail_out;
    out.resize(at + got);
    produced += got;
    if (rc == Z_STREAM_END) {
      status_ = status::end;
      break;
    }
    if (rc != Z_OK && rc != Z_BUF_ERROR) { // Z_DATA_ERROR, Z_NEED_DICT, Z_MEM_ERROR
      status_ = status::error;
      break;
    }
    // Output room left over means zlib used all the input it was given.
    if ((s.avail_out != 0 || rc == Z_BUF_ERROR) && consumed == in.size())
      break;
  }
  s.next_in = nullptr;
  s.avail_in = 0;
  return {consumed, status_};
}

} // namespace nsq
