#include "protocol/errors.hpp"

#include <catch2/catch.hpp>

using namespace nsq;
using namespace std::string_literals;

TEST_CASE("go_quote matches Go's %q") {
  CHECK(go_quote("") == "\"\"");
  CHECK(go_quote("bad!topic") == "\"bad!topic\"");
  CHECK(go_quote("a\"b\\c") == "\"a\\\"b\\\\c\"");
  CHECK(go_quote("\n\r\t") == "\"\\n\\r\\t\"");
  CHECK(go_quote("\a\b\f\v") == "\"\\a\\b\\f\\v\"");
  CHECK(go_quote("\x00\x01\x1f\x7f"s) == "\"\\x00\\x01\\x1f\\x7f\"");
  CHECK(go_quote("caf\xc3\xa9") == "\"caf\xc3\xa9\""); // printable UTF-8 kept
  CHECK(go_quote("\xe6\x97\xa5") == "\"\xe6\x97\xa5\"");
  CHECK(go_quote("\xff\xfe") == "\"\\xff\\xfe\"");          // invalid UTF-8 byte by byte
  CHECK(go_quote("\xc3") == "\"\\xc3\"");                   // truncated sequence
  CHECK(go_quote("\xc0\xaf") == "\"\\xc0\\xaf\"");          // overlong
  CHECK(go_quote("\xed\xa0\x80") == "\"\\xed\\xa0\\x80\""); // surrogate
  CHECK(go_quote("\xc2\x85") == "\"\\u0085\"");             // C1 control
  CHECK(go_quote("\xc2\xa0") == "\"\\u00a0\"");             // no-break space
  CHECK(go_quote("\xef\xbb\xbf") == "\"\\ufeff\"");         // BOM
  CHECK(go_quote("\xf0\x9f\x98\x80") == "\"\xf0\x9f\x98\x80\"");
  CHECK(go_quote("\xf3\xb0\x80\x80") == "\"\\U000f0000\""); // private use plane
}

TEST_CASE("client_error wire form and fatality") {
  auto f = fatal_error(codes::invalid, "invalid command ");
  CHECK(f.wire() == "E_INVALID invalid command ");
  CHECK(f.fatal);
  auto n = non_fatal_error(codes::fin_failed, "FIN x failed ID not in flight");
  CHECK_FALSE(n.fatal);
  CHECK(n.wire() == "E_FIN_FAILED FIN x failed ID not in flight");
}
