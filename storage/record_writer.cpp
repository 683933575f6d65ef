#include "storage/record_writer.hpp"

#include "protocol/crc32c.hpp"
#include "storage/record_format.hpp"

#include <cassert>
#include <limits>

namespace nsq::storage {

namespace {

void put_u32(char* dst, uint32_t x) {
  dst[0] = static_cast<char>(x >> 24);
  dst[1] = static_cast<char>(x >> 16);
  dst[2] = static_cast<char>(x >> 8);
  dst[3] = static_cast<char>(x);
}

} // namespace

uint64_t record_size(uint64_t n) {
  return record_format::header_size + n;
}

void append_record(std::string& out, std::string_view payload) {
  namespace rf = record_format;
  assert(payload.size() <= std::numeric_limits<uint32_t>::max());
  char header[rf::header_size];
  for (uint32_t i = 0; i < rf::magic_size; ++i)
    header[i] = static_cast<char>(rf::magic[i]);
  put_u32(header + rf::length_offset, static_cast<uint32_t>(payload.size()));
  put_u32(header + rf::payload_crc_offset, crc32c(payload));
  put_u32(header + rf::header_crc_offset,
          crc32c(std::string_view(header, rf::header_crc_offset)));
  out.append(header, rf::header_size);
  out.append(payload);
}

record_writer::record_writer(posix_file file, uint64_t offset)
    : file_(std::move(file)), offset_(offset) {}

void record_writer::add(std::string_view payload) {
  append_record(buffer_, payload);
}

status record_writer::flush(const std::function<status(uint64_t&)>& fault) {
  if (buffer_.empty())
    return status::ok();
  uint64_t reached = buffer_.size();
  status st = fault ? fault(reached) : status::ok();
  if (st.is_ok())
    st = file_.write_at(offset_, buffer_);
  else // injected: what a short write leaves before it fails
    file_.write_at(offset_, std::string_view(buffer_).substr(0, reached));
  if (st.is_ok()) {
    offset_ += buffer_.size();
  } else {
    // A short write may have left part of the buffer on disk: cut it off.
    // If that fails too, the next write overwrites it (we write at offset_)
    // and readers never look past offset_.
    file_.truncate(offset_);
  }
  buffer_.clear();
  return st;
}

status record_writer::finish() {
  assert(buffer_.empty());
  uint64_t size = 0;
  status st = file_.size(size);
  if (st.is_ok() && size != offset_)
    st = file_.truncate(offset_);
  if (st.is_ok())
    st = file_.sync();
  status closed = file_.close();
  return st.is_ok() ? closed : st;
}

} // namespace nsq::storage
