// Fuzzes nsqlookupd's V1 input, the bytes every nsqd (or anyone) sends to
// port 4160: the stream is fed in fuzzer-chosen pieces and must decode
// exactly as when fed whole; lines and IDENTIFY bodies stay within their
// bounds; every decoded event gets one of nsqlookupd's answers.
#include "fuzz/chunking.hpp"
#include "protocol/lookup_commands.hpp"
#include "protocol/lookup_parser.hpp"

#include <algorithm>
#include <cstdlib>

namespace {

using nsq::lookup_event;
using nsq::lookup_parser;

void require(bool ok) {
  if (!ok)
    std::abort();
}

bool same(const lookup_event& a, const lookup_event& b) {
  return a.what == b.what && a.tokens == b.tokens && a.body == b.body &&
         a.error == b.error;
}

/// Small bounds (plan bit 7) reach the limit checks with short inputs.
lookup_parser make_parser(uint8_t plan) {
  return (plan & 0x80) ? lookup_parser(64, 128) : lookup_parser();
}

/// Every event must produce an answer of the V1 protocol (§5.5).
void check_answer(const lookup_event& ev, bool& identified) {
  using kind = lookup_event::kind;
  if (ev.what == kind::command) {
    auto r = nsq::lookup_command(ev.tokens, identified);
    require(r.data == "OK" || r.data.rfind("E_", 0) == 0);
    require(r.fatal == (r.data != "OK"));
    require(nsq::lookup_frame(r.data).size() == r.data.size() + 4);
  } else if (ev.what == kind::identify) {
    nsq::lookup_peer peer;
    std::string err;
    if (nsq::decode_lookup_identify(ev.body, peer, err)) {
      require(!peer.broadcast_address.empty() && !peer.version.empty());
      require(peer.tcp_port != 0 && peer.http_port != 0);
      identified = true;
    } else {
      require(err == "E_BAD_BODY IDENTIFY failed to decode JSON body" ||
              err == "E_BAD_BODY IDENTIFY missing fields");
    }
  } else if (ev.what == kind::fatal) {
    require(ev.error.rfind("E_", 0) == 0);
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto [plan, payload] = nsq::fuzz::split_plan(data, size);
  size_t max_line = (plan & 0x80) ? 64 : lookup_parser::default_max_line;
  size_t max_body = (plan & 0x80) ? 128 : lookup_parser::default_max_body;

  auto whole = make_parser(plan);
  std::vector<lookup_event> expected;
  whole.feed(payload, expected);
  whole.finish(expected);

  auto pieces = make_parser(plan);
  std::vector<lookup_event> got;
  nsq::fuzz::for_each_chunk(payload, plan, [&](std::string_view piece) {
    pieces.feed(piece, got);
    require(pieces.buffered() <= std::max(max_line, max_body));
  });
  pieces.finish(got);

  require(got.size() == expected.size());
  bool identified = false;
  for (size_t i = 0; i < got.size(); ++i) {
    require(same(got[i], expected[i]));
    require(got[i].body.size() <= max_body);
    for (auto& t : got[i].tokens)
      require(t.size() <= max_line);
    // Only the last event may be fatal: nothing is decoded after it.
    if (got[i].what == lookup_event::kind::fatal ||
        got[i].what == lookup_event::kind::identify_again)
      require(i + 1 == got.size());
    check_answer(got[i], identified);
  }
  return 0;
}
