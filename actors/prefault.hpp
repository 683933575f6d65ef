#pragma once

// Faulting in a fresh buffer's pages with one system call instead of one
// page fault per 4 KB page as it fills: a topic's memory queue filling at
// millions of messages per second spent ~70 ns per message in page faults
// (1.3 µs each on the VM measured; docs/performance.md, session 8).

#include <sys/mman.h>

#include <cstddef>
#include <cstdint>

namespace nsq {

/// Makes the whole pages inside [p, p + bytes) resident and writable now
/// (Linux 5.14's MADV_POPULATE_WRITE). Returns false where the kernel
/// cannot (older kernels, other systems): the pages then fault in as used.
inline bool prefault_for_writing(void* p, size_t bytes) {
#ifdef MADV_POPULATE_WRITE
  constexpr uintptr_t page = 4096;
  auto begin = (reinterpret_cast<uintptr_t>(p) + page - 1) & ~(page - 1);
  auto end = (reinterpret_cast<uintptr_t>(p) + bytes) & ~(page - 1);
  if (end <= begin)
    return false;
  return ::madvise(reinterpret_cast<void*>(begin), end - begin, MADV_POPULATE_WRITE) == 0;
#else
  (void)p;
  (void)bytes;
  return false;
#endif
}

} // namespace nsq
