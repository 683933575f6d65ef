#include "protocol/snappy_stream.hpp"

#include "protocol/crc32c.hpp"

#include <snappy.h>

#include <algorithm>

namespace nsq {

using namespace snappy_framing;

namespace {

void put_le(std::string& out, size_t at, uint32_t x, size_t bytes) {
  for (size_t i = 0; i < bytes; ++i)
    out[at + i] = static_cast<char>((x >> (8 * i)) & 0xff);
}

uint32_t get_le(std::string_view in, size_t bytes) {
  uint32_t x = 0;
  for (size_t i = 0; i < bytes; ++i)
    x |= static_cast<uint32_t>(static_cast<unsigned char>(in[i])) << (8 * i);
  return x;
}

} // namespace

void snappy_encoder::append(std::string& out, std::string_view plain) {
  while (!plain.empty()) {
    if (!wrote_identifier_) {
      out.append(stream_identifier);
      wrote_identifier_ = true;
    }
    size_t n = std::min(plain.size(), max_block_size);
    append_chunk(out, plain.substr(0, n));
    plain.remove_prefix(n);
  }
}

void snappy_encoder::append_chunk(std::string& out, std::string_view block) {
  size_t at = out.size();
  size_t body = at + header_size + checksum_size;
  out.resize(body + snappy::MaxCompressedLength(block.size()));
  size_t compressed = 0;
  snappy::RawCompress(block.data(), block.size(), &out[body], &compressed);
  uint8_t type = compressed_data;
  // nsqd keeps the compressed form only when it saves at least 1/8.
  if (compressed >= block.size() - block.size() / 8) {
    type = uncompressed_data;
    std::copy(block.begin(), block.end(), out.begin() + static_cast<ptrdiff_t>(body));
    compressed = block.size();
  }
  out.resize(body + compressed);
  out[at] = static_cast<char>(type);
  put_le(out, at + 1, static_cast<uint32_t>(checksum_size + compressed), 3);
  put_le(out, at + header_size, snappy_checksum(block), checksum_size);
}

snappy_decoder::status snappy_decoder::feed(std::string_view in, std::string& out) {
  while (status_ == status::ok && !in.empty()) {
    if (pending_.size() < header_size) {
      size_t take = std::min(header_size - pending_.size(), in.size());
      pending_.append(in.data(), take);
      in.remove_prefix(take);
      if (pending_.size() < header_size)
        break;
      auto type = static_cast<uint8_t>(pending_[0]);
      if (on_header(type, get_le(std::string_view(pending_).substr(1), 3)) != status::ok)
        break;
    }
    size_t need = header_size + get_le(std::string_view(pending_).substr(1), 3);
    size_t take = std::min(need - pending_.size(), in.size());
    pending_.append(in.data(), take);
    in.remove_prefix(take);
    if (pending_.size() < need)
      break;
    on_chunk(static_cast<uint8_t>(pending_[0]),
             std::string_view(pending_).substr(header_size), out);
    pending_.clear();
  }
  return status_;
}

snappy_decoder::status snappy_decoder::on_header(uint8_t type, size_t length) {
  if (!saw_identifier_ && type != stream_identifier_type)
    return fail(status::corrupt, "snappy stream does not start with a stream identifier");
  // Bounded before anything is buffered: no chunk, skippable or not, exceeds it.
  if (length > max_chunk_length)
    return fail(status::unsupported, "snappy chunk too long");
  if (type == stream_identifier_type && length != stream_identifier.size() - header_size)
    return fail(status::corrupt, "snappy stream identifier has a wrong length");
  if ((type == compressed_data || type == uncompressed_data) && length < checksum_size)
    return fail(status::corrupt, "snappy data chunk shorter than its checksum");
  if (type > uncompressed_data && type <= 0x7f)
    return fail(status::unsupported, "reserved unskippable snappy chunk type");
  return status::ok;
}

snappy_decoder::status snappy_decoder::on_chunk(uint8_t type, std::string_view body,
                                                std::string& out) {
  if (type == stream_identifier_type) {
    if (body != stream_identifier.substr(header_size))
      return fail(status::corrupt, "snappy stream identifier is not sNaPpY");
    saw_identifier_ = true;
    return status::ok;
  }
  if (type != compressed_data && type != uncompressed_data)
    return status::ok; // padding and reserved skippable chunks
  uint32_t checksum = get_le(body, checksum_size);
  body.remove_prefix(checksum_size);
  size_t at = out.size();
  if (type == uncompressed_data) {
    if (body.size() > max_block_size)
      return fail(status::corrupt, "snappy uncompressed chunk larger than 64 KiB");
    out.append(body);
  } else {
    size_t n = 0;
    if (!snappy::GetUncompressedLength(body.data(), body.size(), &n))
      return fail(status::corrupt, "snappy block has a bad length");
    if (n > max_block_size)
      return fail(status::corrupt, "snappy block larger than 64 KiB");
    out.resize(at + n);
    if (!snappy::RawUncompress(body.data(), body.size(), &out[at])) {
      out.resize(at);
      return fail(status::corrupt, "snappy block is corrupt");
    }
  }
  if (snappy_checksum(std::string_view(out).substr(at)) != checksum) {
    out.resize(at);
    return fail(status::corrupt, "snappy chunk checksum mismatch");
  }
  return status::ok;
}

snappy_decoder::status snappy_decoder::fail(status st, const char* why) {
  status_ = st;
  error_text_ = why;
  pending_ = std::string(); // a dead stream keeps no memory
  return st;
}

} // namespace nsq
