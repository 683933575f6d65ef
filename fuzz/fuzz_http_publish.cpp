// Fuzzes the pure parts of HTTP publishing: /mpub's text and binary body
// splitters and /pub's defer parameter, under small and default limits.
// Input: a plan byte (limits), then the body; the first line of the body
// doubles as the defer value.
#include "protocol/http_publish.hpp"

#include <cstdlib>
#include <string>

namespace {

void require(bool ok) {
  if (!ok)
    std::abort();
}

std::string be32(uint32_t v) {
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i)
    out[static_cast<size_t>(i)] = static_cast<char>(v >> (24 - 8 * i));
  return out;
}

void check_text(std::string_view body, const nsq::settings& cfg) {
  auto r = nsq::split_mpub_text(std::string{body}, cfg);
  if (auto* err = std::get_if<nsq::http_error>(&r)) {
    require(err->status == 413);
    require(err->message == "BODY_TOO_BIG" || err->message == "MSG_TOO_BIG");
    return;
  }
  auto msgs = std::get<nsq::body_batch>(r).to_strings();
  size_t total = 0;
  for (const auto& m : msgs) {
    require(!m.empty() && m.find('\n') == std::string::npos);
    require(static_cast<int64_t>(m.size()) <= cfg.max_msg_size);
    total += m.size() + 1;
  }
  require(total <= body.size() + 1);
  require(static_cast<int64_t>(body.size()) <= cfg.max_body_size);
}

void check_binary(std::string_view body, const nsq::settings& cfg) {
  auto r = nsq::split_mpub_binary(std::string{body}, cfg);
  if (auto* err = std::get_if<nsq::http_error>(&r)) {
    require(err->status == 413);
    require(err->message == "BAD_BODY" || err->message == "BAD_MESSAGE");
    return;
  }
  auto msgs = std::get<nsq::body_batch>(r).to_strings();
  require(!msgs.empty() && static_cast<int64_t>(msgs.size()) <= cfg.max_mpub_count());
  // Re-encoding the result gives back the body's prefix (trailing bytes ignored).
  std::string again = be32(static_cast<uint32_t>(msgs.size()));
  for (const auto& m : msgs) {
    require(!m.empty() && static_cast<int64_t>(m.size()) <= cfg.max_msg_size);
    again += be32(static_cast<uint32_t>(m.size())) + m;
  }
  require(body.substr(0, again.size()) == again);
}

void check_defer(const std::string& value, const nsq::settings& cfg) {
  auto r = nsq::parse_http_defer(value, cfg);
  if (auto* err = std::get_if<nsq::http_error>(&r)) {
    require(err->status == 400 && err->message == "INVALID_DEFER");
    return;
  }
  auto ms = std::get<int64_t>(r);
  require(ms >= 0 && ms <= cfg.max_req_timeout.count());
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0)
    return 0;
  nsq::settings cfg;
  if (data[0] & 1) { // small limits reach every size error quickly
    cfg.max_msg_size = 1 + (data[0] >> 1) % 64;
    cfg.max_body_size = 4 + (data[0] >> 3) % 512;
  }
  std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  check_text(body, cfg);
  check_binary(body, cfg);
  check_defer(std::string(body.substr(0, body.find('\n'))), cfg);
  require(nsq::mpub_binary_mode(nullptr) == false);
  return 0;
}
