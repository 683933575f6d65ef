#include "app/startup_pages.hpp"

#include <link.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>

namespace nsq {

namespace {

struct walk_state {
  std::uintptr_t page = 4096;
  std::uintptr_t vdso = 0; // the kernel's own object: not a file mapping
  std::size_t advised = 0;
};

/// Advises the whole pages inside one read-only PT_LOAD segment; a page it
/// shares with a neighbouring segment is left alone.
void release_segment(std::uintptr_t begin, std::uintptr_t end, walk_state& st) {
  auto first = (begin + st.page - 1) & ~(st.page - 1);
  auto last = end & ~(st.page - 1);
  if (last <= first)
    return;
  if (::madvise(reinterpret_cast<void*>(first), last - first, MADV_DONTNEED) == 0)
    st.advised += last - first;
}

/// An object whose code the loader patched (text relocations) holds private
/// copies in its read-only segments: dropping them would undo the patches.
bool has_text_relocations(const dl_phdr_info* info) {
  for (int i = 0; i < info->dlpi_phnum; ++i) {
    if (info->dlpi_phdr[i].p_type != PT_DYNAMIC)
      continue;
    auto* dyn =
        reinterpret_cast<const ElfW(Dyn)*>(info->dlpi_addr + info->dlpi_phdr[i].p_vaddr);
    for (; dyn->d_tag != DT_NULL; ++dyn)
      if (dyn->d_tag == DT_TEXTREL ||
          (dyn->d_tag == DT_FLAGS && (dyn->d_un.d_val & DF_TEXTREL) != 0))
        return true;
  }
  return false;
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
  if (is_vdso(info, st.vdso) || has_text_relocations(info))
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
  ::dl_iterate_phdr(release_object, &st);
  return st.advised;
}

} // namespace nsq
