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
#endif
}

} // namespace nsq
