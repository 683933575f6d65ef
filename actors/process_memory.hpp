#pragma once

// The `mem` figures of /stats and statsd's `mem.*` lines. nsqd reports Go
// runtime.MemStats; we have no Go heap and no garbage collector, so each
// figure is the closest one glibc's allocator keeps (mallinfo2), and those
// with no equivalent are 0 (heap_objects, heap_released_bytes, every GC
// figure): 0 keeps the set of series a dashboard expects, and is honest
// about what we measure.

#include "protocol/stats.hpp"

namespace nsq {

/// Reads the allocator's figures now (walks every malloc arena: call it once
/// per push or request, not per message).
///  * heap_in_use_bytes: bytes malloc handed out (arenas + mmapped blocks),
///    like Go's HeapInuse;
///  * heap_idle_bytes: free bytes malloc holds in its arenas, like HeapIdle;
///  * everything else: 0.
memory_stats read_process_memory();

} // namespace nsq
