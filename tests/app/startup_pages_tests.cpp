// release_startup_pages: read-only pages of loaded objects leave the RSS,
// written data and relocated constants stay as they were.

#include "app/startup_pages.hpp"

#include <catch2/catch.hpp>

#include <cstring>
#include <fstream>
#include <string>

// Outside an anonymous namespace and read through a volatile index, so the
// compiler keeps both in memory: the table's pointers are relocated at
// startup (.data.rel.ro, a private copy), the counter is written below.
extern const char* const startup_pages_relocated_table[];
const char* const startup_pages_relocated_table[] = {"first", "second"};
int startup_pages_written_counter = 1;

namespace {

long status_kb(const std::string& field) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind(field + ":", 0) == 0)
      return std::stol(line.substr(field.size() + 1));
  return -1;
}

} // namespace

TEST_CASE("release_startup_pages drops read-only file pages and keeps data") {
  startup_pages_written_counter = 42;
  auto file_before = status_kb("RssFile");
  REQUIRE(file_before > 0);

  auto advised = nsq::release_startup_pages();

  auto file_after = status_kb("RssFile");
  CHECK(advised > 0);
  // Reading /proc faults a little code back in; most stays out.
  CHECK(file_after < file_before / 2);
  CHECK(startup_pages_written_counter == 42);
  volatile int second = 1;
  CHECK(std::strcmp(startup_pages_relocated_table[second], "second") == 0);
  // Code and constants fault back in from the files as they are used.
  CHECK(std::to_string(12345) == "12345");
}
