#include "app/malloc_tuning.hpp"

#include <malloc.h>

#include <cstdlib>
#include <cstring>

namespace nsq {

void tune_malloc() {
#ifdef M_TOP_PAD
  if (const char* tunables = std::getenv("GLIBC_TUNABLES");
      tunables != nullptr && std::strstr(tunables, "glibc.malloc.") != nullptr)
    return; // the user's own malloc tuning wins
  // glibc's HEAP_MAX_SIZE on 64-bit systems: new_heap() then maps the whole
  // heap read-write at once and grow_heap() never has to.
  constexpr int thread_heap_size = 64 << 20;
  ::mallopt(M_TOP_PAD, thread_heap_size);
  // Setting the pad turns off glibc's sliding mmap threshold, which would
  // otherwise rise to the largest block freed so far (up to 32 MiB): fix it
  // there, or every buffer of 128 KiB or more (a read's batch of commands, a
  // disk read) would be a fresh mmap() whose pages all fault in again.
  ::mallopt(M_MMAP_THRESHOLD, thread_heap_size / 2);
#endif
}

} // namespace nsq
