// release_startup_pages: read-only pages of loaded objects leave the RSS,
// written data and relocated constants stay as they were.

#include "app/startup_pages.hpp"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>

// Outside an anonymous namespace and read through a volatile index, so the
// compiler keeps both in memory: the table's pointers are relocated at
// startup (.data.rel.ro, a private copy), the counter is written below.
extern const char* const startup_pages_relocated_table[];
const char* const startup_pages_relocated_table[] = {"first", "second"};
int startup_pages_written_counter = 1;

// A constant of ours in a read-only segment (.rodata). The kernel maps up to
// 64 KiB of neighbouring pages with each page fault (fault-around), so the
// page under test lies in a 64 KiB block nothing but this test reads.
constexpr std::size_t fault_around_block = 64 * 1024;
extern const char startup_pages_constant[3 * fault_around_block];
alignas(fault_around_block) const
    char startup_pages_constant[3 * fault_around_block] = {1, 2, 3};

namespace {

enum class page_state { absent, file, private_copy };

/// From /proc/self/pagemap: bit 63 present, bit 61 a file page.
page_state state_of(const void* addr) {
  auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  int fd = ::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  REQUIRE(fd >= 0);
  std::uint64_t entry = 0;
  auto offset = static_cast<off_t>(reinterpret_cast<std::uintptr_t>(addr) / page * 8);
  auto got = ::pread(fd, &entry, sizeof entry, offset);
  ::close(fd);
  REQUIRE(got == static_cast<ssize_t>(sizeof entry));
  if ((entry >> 63 & 1) == 0)
    return page_state::absent;
  return (entry >> 61 & 1) != 0 ? page_state::file : page_state::private_copy;
}

/// Reads a page in the constant's middle block, which makes it resident.
const char* touch_constant() {
  volatile const char* page = startup_pages_constant + fault_around_block + 4096;
  (void)*page;
  return startup_pages_constant + fault_around_block + 4096;
}

__attribute__((noinline)) int some_code_of_ours(int x) {
  return x * 7 + 3;
}

} // namespace

TEST_CASE("release_startup_pages drops read-only file pages and keeps data") {
  startup_pages_written_counter = 42;
  auto* constant = touch_constant();
  REQUIRE(state_of(constant) == page_state::file);

  auto advised = nsq::release_startup_pages();

  CHECK(advised > 0);
  CHECK(state_of(constant) == page_state::absent);
  CHECK(touch_constant()[0] == 0); // back from the file
  CHECK(startup_pages_constant[1] == 2);
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
  REQUIRE(state_of(page) == page_state::private_copy);

  nsq::release_startup_pages();

  CHECK(state_of(page) == page_state::private_copy);
  CHECK(some_code_of_ours(5) == 38);
}

TEST_CASE("startup_pages_release releases on the io thread after its delay") {
  boost::asio::io_context ioc;
  nsq::startup_pages_release release{ioc, std::chrono::milliseconds(0)};
  auto* constant = touch_constant();
  REQUIRE(state_of(constant) == page_state::file);
  ioc.run(); // returns once the release ran
  CHECK(state_of(constant) == page_state::absent);
}

TEST_CASE("a cancelled startup_pages_release lets the io_context stop at once") {
  boost::asio::io_context ioc;
  nsq::startup_pages_release release{ioc, std::chrono::hours(1)};
  release.cancel();
  auto start = std::chrono::steady_clock::now();
  ioc.run(); // without the cancel: an hour
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
}
