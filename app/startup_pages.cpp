#include "app/startup_pages.hpp"

#include <boost/asio/post.hpp>

#include <fcntl.h>
#include <link.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <vector>

namespace nsq {

namespace {

struct walk_state {
  std::uintptr_t page = 4096;
  std::uintptr_t vdso = 0; // the kernel's own object: not a file mapping
  int pagemap = -1;        // /proc/self/pagemap
  std::size_t advised = 0;
};

/// True when every resident page of [first, last) is still the file's. A
/// private copy (text relocations, a debugger's breakpoint, a uprobe) must
/// not be dropped: the file's page would replace it. pagemap: bit 63 the page
/// is present, bit 61 it is a file page (or shared anonymous memory).
bool all_file_pages(std::uintptr_t first, std::uintptr_t last, const walk_state& st) {
  constexpr std::uint64_t present = 1ULL << 63;
  constexpr std::uint64_t file_or_shared = 1ULL << 61;
  std::vector<std::uint64_t> entries((last - first) / st.page);
  auto bytes = entries.size() * sizeof(std::uint64_t);
  auto offset = static_cast<off_t>(first / st.page * sizeof(std::uint64_t));
  if (::pread(st.pagemap, entries.data(), bytes, offset) != static_cast<ssize_t>(bytes))
    return false;
  for (auto entry : entries)
    if ((entry & present) != 0 && (entry & file_or_shared) == 0)
      return false;
  return true;
}

/// Advises the whole pages inside one read-only PT_LOAD segment; a page it
/// shares with a neighbouring segment is left alone.
void release_segment(std::uintptr_t begin, std::uintptr_t end, walk_state& st) {
  auto first = (begin + st.page - 1) & ~(st.page - 1);
  auto last = end & ~(st.page - 1);
  if (last <= first || !all_file_pages(first, last, st))
    return;
  if (::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED) == 0)
    st.advised += last - first;
}

bool is_vdso(const dl_phdr_info* info, std::uintptr_t vdso) {
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const auto& ph = info->dlpi_phdr[i];
    auto begin = info->dlpi_addr + ph.p_vaddr;
    if (ph.p_type == PT_LOAD && vdso >= begin && vdso < begin + ph.p_memsz)
      return true;
  }
  return false;
}

// dl_iterate_phdr holds the loader's lock while it calls us: no object can be
// unloaded (and its range reused) between reading a segment and advising it.
int release_object(dl_phdr_info* info, std::size_t, void* arg) {
  auto& st = *static_cast<walk_state*>(arg);
  if (is_vdso(info, st.vdso))
    return 0;
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    const auto& ph = info->dlpi_phdr[i];
    if (ph.p_type == PT_LOAD && (ph.p_flags & PF_W) == 0)
      release_segment(info->dlpi_addr + ph.p_vaddr,
                      info->dlpi_addr + ph.p_vaddr + ph.p_memsz, st);
  }
  return 0;
}

} // namespace

std::size_t release_startup_pages() {
  walk_state st;
  st.page = static_cast<std::uintptr_t>(::sysconf(_SC_PAGESIZE));
  st.vdso = ::getauxval(AT_SYSINFO_EHDR);
  // Without pagemap a private copy cannot be told apart: release nothing.
  st.pagemap = ::open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  if (st.pagemap < 0)
    return 0;
  ::dl_iterate_phdr(release_object, &st);
  ::close(st.pagemap);
  return st.advised;
}

startup_pages_release::startup_pages_release(boost::asio::io_context& ioc,
                                             std::chrono::milliseconds delay)
    : ioc_(ioc), timer_(ioc, delay) {
  timer_.async_wait([](const boost::system::error_code& ec) {
    if (!ec)
      release_startup_pages();
  });
}

void startup_pages_release::cancel() {
  boost::asio::post(ioc_, [this] { timer_.cancel(); }); // on the timer's thread
}

} // namespace nsq
