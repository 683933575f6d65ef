#include "actors/process_memory.hpp"

#include <malloc.h>

namespace nsq {

memory_stats read_process_memory() {
  memory_stats m;
  struct mallinfo2 mi = ::mallinfo2(); // glibc >= 2.33: size_t fields, no overflow
  m.heap_in_use_bytes = mi.uordblks + mi.hblkhd;
  m.heap_idle_bytes = mi.fordblks;
  return m;
}

} // namespace nsq
