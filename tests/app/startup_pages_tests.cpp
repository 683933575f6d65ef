// release_startup_pages: read-only pages of loaded objects leave the RSS,
// written data and relocated constants stay as they were.

#include "app/startup_pages.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
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

/// pagemap: present (bit 63) and not a file page (bit 61): a private copy.
bool is_private_copy(const void* addr) {
  auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  int fd = ::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  std::uint64_t entry = 0;
  auto offset = static_cast<off_t>(reinterpret_cast<std::uintptr_t>(addr) / page * 8);
  auto got = ::pread(fd, &entry, sizeof entry, offset);
  ::close(fd);
  REQUIRE(got == static_cast<ssize_t>(sizeof entry));
  return (entry >> 63 & 1) != 0 && (entry >> 61 & 1) == 0;
}

__attribute__((noinline)) int some_code_of_ours(int x) {
  return x * 7 + 3;
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

TEST_CASE("a read-only segment holding a private copy of a page is left whole") {
  // What a debugger's breakpoint or a text relocation does: the page of our
  // code becomes a private copy (here with the same bytes). Dropping it would
  // bring back the file's page and lose the change.
  auto page_size = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  auto code = reinterpret_cast<std::uintptr_t>(&some_code_of_ours);
  auto* page = reinterpret_cast<char*>(code & ~(page_size - 1));
  REQUIRE(::mprotect(page, page_size, PROT_READ | PROT_WRITE | PROT_EXEC) == 0);
  volatile char* byte = page;
  *byte = *byte;
  REQUIRE(::mprotect(page, page_size, PROT_READ | PROT_EXEC) == 0);
  REQUIRE(is_private_copy(page));

  nsq::release_startup_pages();

  CHECK(is_private_copy(page));
  CHECK(some_code_of_ours(5) == 38);
}
